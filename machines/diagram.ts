/**
 * Mermaid `stateDiagram-v2` from an XState machine definition, with each state's deadlines
 * (from state `meta.deadlines`) as notes: key, amount, unit, reading, п. of the Rules.
 * Invoked child machines (P2 translation, P5 redirection) are drawn inside the state that
 * invokes them. Generated from the machine itself, so the diagram cannot drift.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { DeadlinePolicy } from './contract.js';

/** Events every non-final state accepts; listed once in the header instead of on every state. */
const UBIQUITOUS = new Set(['comment', 'deadline_missed']);

interface Emitter {
  lines: string[];
  notes: string[];
}

const idOf = (node: AnyStateNode, prefix: string) =>
  `${prefix}${node.path.length === 0 ? 'root' : node.path.join('__')}`.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * The Mermaid id of a case's dotted state (`review.redirection` → `review__redirection`),
 * as `toMermaid` names its states: a page highlights the current state by it.
 */
export function mermaidStateId(state: string): string {
  return (state.length === 0 ? 'root' : state.split('.').join('__')).replace(/[^A-Za-z0-9_]/g, '_');
}

function label(text: string): string {
  return text.replace(/[:;"#{}]/g, ' ').replace(/\s+/g, ' ').trim();
}

function deadlinesOf(node: AnyStateNode): DeadlinePolicy[] {
  const meta = node.meta as { deadlines?: DeadlinePolicy[] } | undefined;
  return Array.isArray(meta?.deadlines) ? meta.deadlines : [];
}

export function describeDeadline(d: DeadlinePolicy): string {
  const unit = d.reading === 'working' ? 'working days' : 'calendar days';
  const dir = d.direction === 'before' ? `before ${d.from}` : `from ${d.from}`;
  return `${d.key} ${d.amount} ${unit} ${dir} (${d.rule})`;
}

function childMachineOf(machine: AnyStateMachine, src: unknown): AnyStateMachine | undefined {
  const logic = typeof src === 'string' ? (machine.implementations.actors as Record<string, unknown>)[src] : src;
  return logic && typeof logic === 'object' && 'root' in (logic as object) ? (logic as AnyStateMachine) : undefined;
}

function emitNode(machine: AnyStateMachine, node: AnyStateNode, prefix: string, out: Emitter, indent: string): void {
  const id = idOf(node, prefix);
  const children = Object.values(node.states) as AnyStateNode[];
  const invoked = node.invoke
    .map((inv) => ({ id: inv.id, child: childMachineOf(machine, inv.src) }))
    .filter((x): x is { id: string; child: AnyStateMachine } => x.child !== undefined);

  if (children.length === 0 && invoked.length === 0) {
    out.lines.push(`${indent}state "${label(node.key)}" as ${id}`);
  } else {
    out.lines.push(`${indent}state "${label(node.key)}" as ${id} {`);
    if (node.type === 'parallel') {
      children.forEach((region, i) => {
        if (i > 0) out.lines.push(`${indent}  --`);
        emitNode(machine, region, prefix, out, `${indent}  `);
      });
    } else if (children.length > 0) {
      const initial = node.initial?.target?.[0];
      if (initial) out.lines.push(`${indent}  [*] --> ${idOf(initial, prefix)}`);
      for (const child of children) emitNode(machine, child, prefix, out, `${indent}  `);
    }
    for (const { id: invokeId, child } of invoked) {
      // The child machine's states, drawn inside the invoking state under their own prefix.
      const childPrefix = `${id}__${invokeId}__`.replace(/[^A-Za-z0-9_]/g, '_');
      const root = child.root as AnyStateNode;
      out.lines.push(`${indent}  state "invokes ${label(child.id)}" as ${childPrefix}root {`);
      const initial = root.initial?.target?.[0];
      if (initial) out.lines.push(`${indent}    [*] --> ${idOf(initial, childPrefix)}`);
      for (const s of Object.values(root.states) as AnyStateNode[]) emitNode(child, s, childPrefix, out, `${indent}    `);
      emitTransitions(child, root, childPrefix, out, `${indent}    `);
      out.lines.push(`${indent}  }`);
    }
    out.lines.push(`${indent}}`);
  }
  if (node.type === 'final') out.lines.push(`${indent}${id} --> [*]`);
  const deadlines = deadlinesOf(node);
  if (deadlines.length > 0) {
    out.notes.push(`note right of ${id}`, ...deadlines.map((d) => `  ${label(describeDeadline(d))}`), 'end note');
  }
}

function emitTransitions(machine: AnyStateMachine, node: AnyStateNode, prefix: string, out: Emitter, indent: string): void {
  const visit = (n: AnyStateNode) => {
    // Machine-wide transitions (on the root) are listed in the header, not drawn.
    if (n.path.length > 0 || prefix !== '') for (const [eventType, transitions] of n.transitions) {
      if (UBIQUITOUS.has(eventType) || eventType.startsWith('xstate.')) continue;
      for (const t of transitions) {
        const guard = t.guard ? ` [${typeof t.guard === 'string' ? t.guard : ((t.guard as { type?: string }).type ?? 'guard')}]` : '';
        const text = label(`${eventType.startsWith('done.') ? 'done' : eventType}${guard}`);
        const targets = t.target ?? [n];
        for (const target of targets) out.lines.push(`${indent}${idOf(n, prefix)} --> ${idOf(target, prefix)} : ${text}`);
      }
    }
    for (const t of n.always ?? []) {
      for (const target of t.target ?? []) out.lines.push(`${indent}${idOf(n, prefix)} --> ${idOf(target, prefix)} : (automatic)`);
    }
    for (const child of Object.values(n.states) as AnyStateNode[]) visit(child);
  };
  visit(node);
}

/** The Mermaid diagram of a machine. */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as AnyStateNode;
  const out: Emitter = { lines: [], notes: [] };
  out.lines.push('stateDiagram-v2');
  out.lines.push(`  %% ${machine.id}: every non-final state also accepts comment (any role but auditor) and deadline_missed (system)`);
  const machineWide = [...root.transitions.keys()].filter((e) => !UBIQUITOUS.has(e) && !e.startsWith('xstate.'));
  if (machineWide.length > 0) out.lines.push(`  %% accepted in every state: ${machineWide.join(', ')}`);
  const initial = root.initial?.target?.[0];
  if (initial) out.lines.push(`  [*] --> ${idOf(initial, '')}`);
  for (const s of Object.values(root.states) as AnyStateNode[]) emitNode(machine, s, '', out, '  ');
  emitTransitions(machine, root, '', out, '  ');
  // Deadlines of the whole case (declared on the root, e.g. P1's submission, judged at
  // creation) go on the initial state, where the case starts.
  const caseWide = deadlinesOf(root);
  if (initial && caseWide.length > 0) {
    out.notes.push(
      `note left of ${idOf(initial, '')}`,
      ...caseWide.map((d) => `  case ${label(describeDeadline(d))}`),
      'end note',
    );
  }
  return [...out.lines, ...out.notes.map((l) => `  ${l}`)].join('\n') + '\n';
}

/** Every deadline declared in a machine (and its invoked children), with the states that carry it. */
export function deadlineTable(machine: AnyStateMachine): { policy: DeadlinePolicy; states: string[] }[] {
  const byKey = new Map<string, { policy: DeadlinePolicy; states: string[] }>();
  const visit = (m: AnyStateMachine, node: AnyStateNode, prefix: string) => {
    for (const d of deadlinesOf(node)) {
      const entry = byKey.get(d.key) ?? { policy: d, states: [] };
      const name = [prefix, ...node.path].filter(Boolean).join('.');
      if (!entry.states.includes(name)) entry.states.push(name);
      byKey.set(d.key, entry);
    }
    for (const inv of node.invoke) {
      const child = childMachineOf(m, inv.src);
      if (child) visit(child, child.root as AnyStateNode, [prefix, ...node.path, child.id].filter(Boolean).join('.'));
    }
    for (const c of Object.values(node.states) as AnyStateNode[]) visit(m, c, prefix);
  };
  visit(machine, machine.root as AnyStateNode, '');
  return [...byKey.values()];
}
