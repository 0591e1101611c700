/**
 * The machine docs and definitions: docs/machines/* are what `npm run diagrams` generates
 * now (so they cannot silently go stale), and the HTTP definitions load in XState/Stately.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { MACHINE_DOCS_DIR, REPO_ROOT, renderMachineDocs } from '../../cli/diagrams.js';
import { deadlineTable } from '../../machines/diagram.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { kz } from '../helpers/app.js';

const deps = { calendar: kz };
const ids = Object.keys(procedures) as (keyof typeof procedures)[];

describe('docs/machines', () => {
  const generated = renderMachineDocs(deps);

  it.each([...generated.keys()])('%s should be committed as generated (run `npm run diagrams` after changing a machine)', (path) => {
    const full = join(REPO_ROOT, path);
    expect(existsSync(full), `${path} is missing: run npm run diagrams`).toBe(true);
    expect(readFileSync(full, 'utf8'), `${path} is out of date: run npm run diagrams`).toBe(generated.get(path));
  });

  it('should hold no stale page of a procedure that no longer exists', () => {
    const onDisk = readdirSync(join(REPO_ROOT, MACHINE_DOCS_DIR)).map((f) => `${MACHINE_DOCS_DIR}/${f}`);
    expect(onDisk.sort()).toEqual([...generated.keys()].sort());
  });

  it.each(ids)('the page of %s should have the diagram and one table row per deadline of the machine', (id) => {
    const page = generated.get(`${MACHINE_DOCS_DIR}/${id}.md`)!;
    expect(page).toContain('```mermaid\nstateDiagram-v2\n');
    const machine = procedures[id].machine(deps) as AnyStateMachine;
    const table = deadlineTable(machine);
    expect(table.length).toBeGreaterThan(0);
    for (const { policy } of table) {
      const row = page.split('\n').find((l) => l.startsWith(`| \`${policy.key}\` |`));
      expect(row, policy.key).toBeDefined();
      expect(row).toContain(`| ${policy.amount} |`);
      expect(row).toContain(`| ${policy.reading} |`);
      expect(row).toContain(`| ${policy.rule} |`);
    }
    expect(generated.get(`${MACHINE_DOCS_DIR}/README.md`)).toContain(`[\`${id}\`](${id}.md)`);
  });
});

describe('GET /machines', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp({ calendars: { kz } });
  });
  afterAll(async () => {
    await app.close();
  });

  /** Deadline keys a diagram may leave out (none: case-wide ones are drawn on the initial state). */
  const ROOT_ONLY_NOT_DRAWN: Record<string, string[]> = {};

  it.each(ids)('the diagram of %s should name every deadline key of the procedure', async (id) => {
    const res = await app.inject({ method: 'GET', url: `/machines/${id}/diagram` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const keys = Object.keys(procedures[id].deadlinePolicies);
    expect(keys.length).toBeGreaterThan(0);
    const gap = ROOT_ONLY_NOT_DRAWN[id] ?? [];
    for (const key of keys) {
      if (gap.includes(key)) expect(res.body, `${key} is drawn now: remove it from ROOT_ONLY_NOT_DRAWN`).not.toMatch(new RegExp(`\\b${key}\\b`));
      else expect(res.body, key).toMatch(new RegExp(`\\b${key}\\b`));
    }
  });

  it.each(ids)('the definition of %s should load with createMachine and have the same states and events', async (id) => {
    const res = await app.inject({ method: 'GET', url: `/machines/${id}` });
    expect(res.statusCode).toBe(200);
    const loaded = createMachine(res.json().definition);
    const original = procedures[id].machine(deps) as AnyStateMachine;
    expect(loaded.id).toBe(id);
    expect(stateIds(loaded)).toEqual(stateIds(original));
    expect(loaded.events.sort()).toEqual(original.events.sort());
    // The deadlines travel with the states (meta), as Stately Studio shows them.
    const meta = (m: AnyStateMachine) => JSON.stringify(allNodes(m.root).map((n) => [n.id, n.meta ?? null]));
    expect(meta(loaded)).toBe(meta(original));
  });

  it('should answer 404 for an unknown procedure', async () => {
    expect((await app.inject({ method: 'GET', url: '/machines/nope/diagram' })).statusCode).toBeGreaterThanOrEqual(400);
  });
});

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(allNodes)];
}
function stateIds(m: AnyStateMachine): string[] {
  return allNodes(m.root).map((n) => n.id).sort();
}
