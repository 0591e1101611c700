/**
 * Typed HTML templates: a tagged template that escapes every interpolated value unless it
 * is already `Html` (the result of another template, or `raw`). Escaping by default is the
 * property that matters on pages full of applicants' names and texts: a JSX runtime such as
 * @kitajs/html leaves children unescaped unless each is marked `safe`, and needs a compile
 * step for .tsx; a template engine (eta) gives up the types. Here a template is a function
 * with typed parameters and every `${value}` is text.
 *
 * Values: `Html` as is; strings and numbers escaped; null, undefined and false render
 * nothing; arrays are joined (each element by the same rules).
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/g;

export function escapeHtml(text: string): string {
  return text.replace(SPECIAL, (c) => ESCAPES[c]!);
}

/** Markup known to be safe: made by `html` or `raw`, never from a plain string by accident. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value as string | number | true));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup from a trusted source (our own constants, a rendered SVG of ours). Never user data. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** `name="value"` pairs; false/undefined drop the attribute, true writes it bare. */
export function attrs(pairs: Record<string, string | number | boolean | undefined | null>): Html {
  let out = '';
  for (const [k, v] of Object.entries(pairs)) {
    if (v === undefined || v === null || v === false) continue;
    out += v === true ? ` ${k}` : ` ${k}="${escapeHtml(String(v))}"`;
  }
  return new Html(out);
}
