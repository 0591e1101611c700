import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { PROCEDURE_IDS, type DeadlinePolicy } from '../../machines/contract.js';
import { getProcedure, procedures } from '../../machines/index.js';
import * as blog from '../../machines/blog-question/index.js';
import * as feedback from '../../machines/feedback-inquiry/index.js';
import * as pub from '../../machines/publication/index.js';
import * as redirection from '../../machines/redirection/index.js';
import { deps } from './helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Every `meta.deadlines` entry of a state node tree. */
function metaDeadlines(node: { meta?: { deadlines?: DeadlinePolicy[] }; states?: Record<string, unknown> }): DeadlinePolicy[] {
  const own = node.meta?.deadlines ?? [];
  return [...own, ...Object.values(node.states ?? {}).flatMap((s) => metaDeadlines(s as typeof node))];
}

describe('the procedure registry', () => {
  it('should register every procedure id of the contract with its module', () => {
    expect(Object.keys(procedures).sort()).toEqual([...PROCEDURE_IDS].sort());
    for (const id of PROCEDURE_IDS) expect(getProcedure(id).id).toBe(id);
    expect(getProcedure('no-such-procedure')).toBeUndefined();
    expect(getProcedure('toString')).toBeUndefined();
    expect([pub.id, feedback.id, blog.id]).toEqual(['publication', 'feedback-inquiry', 'blog-question']);
    expect([pub.VERSION, feedback.VERSION, blog.VERSION, redirection.VERSION]).toEqual(['1.0.0', '1.0.0', '1.1.0', '1.0.0']);
  });

  it.each(PROCEDURE_IDS)('should give %s a role list for every event schema, and let neither auditor nor system comment', (id) => {
    const mod = procedures[id];
    expect(Object.keys(mod.eventRoles).sort()).toEqual(Object.keys(mod.eventSchemas).sort());
    for (const roles of Object.values(mod.eventRoles)) expect(roles).not.toContain('auditor');
    expect(mod.createRoles).not.toContain('auditor');
    expect(mod.eventRoles.comment).not.toContain('system');
    expect(mod.eventRoles.deadline_missed).toEqual(['system']);
  });

  it.each(PROCEDURE_IDS)('should declare in state meta only deadline policies %s lists, and accept deadline_missed for exactly its keys', (id) => {
    const mod = procedures[id];
    const machine = mod.machine(deps) as { root: Parameters<typeof metaDeadlines>[0] };
    const declared = metaDeadlines(machine.root);
    expect(declared.length).toBeGreaterThan(0);
    for (const d of declared) expect(Object.keys(mod.deadlinePolicies)).toContain(d.key);
    for (const key of Object.keys(mod.deadlinePolicies)) {
      expect(Value.Check(mod.eventSchemas.deadline_missed!, { key })).toBe(true);
      expect(mod.deadlinePolicies[key]!.key).toBe(key);
    }
    expect(Value.Check(mod.eventSchemas.deadline_missed!, { key: 'nope' })).toBe(false);
  });

  it('should show the child machines’ deadlines in their own state meta', () => {
    const p2 = pub.createTranslationMachine(deps);
    const p5 = redirection.createRedirectionMachine(deps);
    expect(metaDeadlines(p2.root as never).map((d) => d.key)).toEqual(['translation']);
    expect(metaDeadlines(p5.root as never).map((d) => d.key)).toEqual(['redirect_notice', 'forward']);
  });

  it('should validate sample inputs and payloads with the exported TypeBox schemas', () => {
    expect(Value.Check(pub.PublicationInput, { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2025-04-17' })).toBe(true);
    expect(Value.Check(pub.PublicationInput, { title: 'T', kind: 'regular', channels: [] })).toBe(false);
    expect(Value.Check(feedback.FeedbackInquiryInput, { applicant: { name: 'A', email: 'a@b.kz' }, language: 'ru', kind: 'question', text: 'q' })).toBe(true);
    expect(Value.Check(feedback.feedbackInquiryEventSchemas.extend, { days: 31, reason: 'r' })).toBe(false);
    expect(Value.Check(feedback.feedbackInquiryEventSchemas.extend, { days: 30, reason: 'r' })).toBe(true);
    expect(Value.Check(blog.BlogQuestionInput, { channel: 'e-otinish', author: { name: 'A' }, language: 'kk', text: 'q', receivedAt: '2025-03-06T10:00:00+05:00' })).toBe(true);
    expect(Value.Check(pub.publicationEventSchemas.post, { channel: 'tiktok', url: 'u' })).toBe(false);
  });

  it('should expose a JSON-serialisable machine definition for /machines', () => {
    for (const id of PROCEDURE_IDS) {
      const machine = getProcedure(id).machine(deps) as { definition: unknown };
      expect(() => JSON.stringify(machine.definition)).not.toThrow();
    }
  });

  it('should keep machines/ pure: no clock reads and no I/O imports', () => {
    const root = new URL('../../machines/', import.meta.url).pathname;
    for (const f of files(root).filter((p) => p.endsWith('.ts'))) {
      const src = readFileSync(f, 'utf8');
      expect(src, f).not.toMatch(/Date\.now\(|new Date\(|DateTime\.now\(|from ['"](node:)?(fs|http|net)['"]|better-sqlite3|kysely|fastify|pino/);
    }
  });
});
