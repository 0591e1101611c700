/**
 * The case page's state diagram: the procedure's own Mermaid source (`GET
 * /machines/{procedure}/diagram`, generated from the machine by machines/diagram.ts, so it
 * cannot drift) with the current state highlighted by a `classDef` and a `class <id>
 * current` line. The browser renders it with the Mermaid build this server serves (app.js);
 * without JavaScript the source stays readable, and the states are also listed as text.
 */
import type { FastifyInstance } from 'fastify';
import { mermaidStateId } from '../../machines/diagram.js';
import { html, type Html } from './html.js';
import { t, type Lang } from './i18n/index.js';
import { stateLabel } from './labels.js';

/** The Mermaid source with `state` highlighted (its id as `toMermaid` names it). */
export function highlight(source: string, state: string): string {
  const id = mermaidStateId(state);
  // Only an id the diagram has: a state drawn under another name stays unmarked rather than
  // adding a stray node.
  if (!new RegExp(`\\bas ${id}\\b`).test(source)) return source;
  return `${source.trimEnd()}\n  classDef current fill:#ffe08a,stroke:#1b1f24,stroke-width:3px,font-weight:bold\n  class ${id} current\n`;
}

/** The top-level states of the diagram, in its order (`state "x" as x` lines at the first indent). */
export function statesOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^ {2}state "[^"]*" as ([A-Za-z0-9_]+)/gm)) out.push(m[1]!);
  return out;
}

/** Mermaid sources per procedure (static for the life of the process). */
export class DiagramCache {
  readonly #sources = new Map<string, Promise<string | undefined>>();
  constructor(private readonly app: FastifyInstance) {}

  source(procedure: string): Promise<string | undefined> {
    let p = this.#sources.get(procedure);
    if (!p) {
      // A public text route: asked in-process like the pages' JSON calls (callApi parses JSON only).
      p = this.app.inject({ method: 'GET', url: `/machines/${encodeURIComponent(procedure)}/diagram` }).then((r) => (r.statusCode === 200 ? r.body : undefined));
      this.#sources.set(procedure, p);
      void p.then((s) => s === undefined && this.#sources.delete(procedure));
    }
    return p;
  }
}

export function diagramSection(lang: Lang, procedure: string, state: string, source: string | undefined): Html {
  if (!source) return html``;
  const current = mermaidStateId(state);
  const states = statesOf(source);
  return html`<section aria-labelledby="diagram-title">
<h2 id="diagram-title">${t(lang, 'diagram.title')}</h2>
<h3 class="visually-hidden" id="diagram-states">${t(lang, 'diagram.states')}</h3>
<ol class="states" aria-labelledby="diagram-states">${states.map(
    (s) => html`<li${s === current ? html` aria-current="step" class="current"` : ''}>${stateLabel(lang, procedure, s.replace(/__/g, '.'))}${s === current ? html` <strong>(${t(lang, 'diagram.current')})</strong>` : ''}</li>`,
  )}</ol>
<figure class="diagram"><figcaption class="visually-hidden">${t(lang, 'diagram.source')}</figcaption><pre class="mermaid">${highlight(source, state)}</pre></figure>
</section>`;
}
