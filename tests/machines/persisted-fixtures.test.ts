/**
 * Snapshots persisted by the machines before the typed effects (issue 11 §3: version 1.0.0
 * of every procedure, captured from commit 6d2331f) must restore and go on: stored cases
 * keep their version, so the refactored machines run them. Each is taken mid-child (P5
 * invoked by P3 and P4, P2 by P1), where the child's state and input are in the snapshot.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blogQuestion } from '../../machines/blog-question/index.js';
import type { PersistedSnapshot, ProcedureModule, Role } from '../../machines/contract.js';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { publication } from '../../machines/publication/index.js';
import { almaty, deps, expectOk, meta } from './helpers.js';

const stored = JSON.parse(readFileSync(new URL('./fixtures/persisted-1.0.0.json', import.meta.url), 'utf8')) as Record<string, PersistedSnapshot>;

function step(mod: ProcedureModule, key: string, type: string, payload: Record<string, unknown>, at: string, role: Role) {
  return expectOk(mod.step(deps, stored[key]!, { type, payload, ...meta(at, role) }));
}

describe('snapshots persisted by 1.0.0 before the typed effects', () => {
  it('should restore P3 in P5 with the same allowed events and send the redirect notice on forward', () => {
    expect(feedbackInquiry.allowedEvents(deps, stored['feedback-inquiry@redirection']!).map((a) => a.type)).toEqual([
      'forward',
      'cancel_redirect',
      'comment',
      'message_delivered',
      'message_failed',
      'reminder_queued',
      'escalation_queued',
      'record_notice', // the fixture's extension notice is still owed
      'deadline_missed',
      'deadline_recounted',
    ]);
    const r = step(feedbackInquiry, 'feedback-inquiry@redirection', 'forward', { organization: 'O', reference: 'R-1' }, almaty('2025-03-10'), 'press_secretary');
    expect(r.state).toBe('redirected');
    expect(r.context.deadlines.forward).toMatchObject({ open: false });
    expect(r.effects).toEqual([
      {
        kind: 'mail',
        template: 'redirect_notice',
        to: { name: 'A', email: 'a@example.kz' },
        language: 'kk',
        data: { organization: 'O', reference: 'R-1', reason: 'x', forwardedAt: almaty('2025-03-10') },
      },
    ]);
  });

  it('should restore P3 in P5 and go back to the unit on cancel_redirect, with the review term reopened', () => {
    const r = step(feedbackInquiry, 'feedback-inquiry@redirection', 'cancel_redirect', { reason: 'ours' }, almaty('2025-03-10'), 'press_secretary');
    expect(r.state).toBe('in_review');
    expect(r.context.deadlines.review).toMatchObject({ open: true, status: 'pending' });
    expect(r.effects).toEqual([]);
  });

  it('should restore P4 in P5 and record the portal notice with the origin P4 handed to P5', () => {
    const r = step(blogQuestion, 'blog-question@redirection', 'forward', { organization: 'O', reference: 'R-2' }, almaty('2025-03-10'), 'press_secretary');
    expect(r.state).toBe('redirected');
    expect(JSON.stringify(r.effects)).toBe(
      JSON.stringify([
        {
          kind: 'portal_notice',
          data: {
            channel: 'e-otinish',
            author: { name: 'Е' },
            language: 'en',
            registrationNumber: 'Б-1',
            organization: 'O',
            reference: 'R-2',
            reason: 'x',
            forwardedAt: almaty('2025-03-10'),
          },
        },
      ]),
    );
  });

  it('should restore P1 in P2 with one translation in and finish it with the other', () => {
    expect(publication.allowedEvents(deps, stored['publication@translation']!).map((a) => a.type)).toContain('deliver_translation');
    const r = step(publication, 'publication@translation', 'deliver_translation', { language: 'en', text: 'e' }, almaty('2025-06-04'), 'car');
    expect(r.state).toBe('translated');
    expect(r.context.deadlines.translation).toMatchObject({ open: false, closedAt: almaty('2025-06-04') });
  });
});
