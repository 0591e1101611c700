import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close, observeMissed, openAfter } from '../../machines/common/deadlines.js';
import { feedbackInquiry, feedbackInquiryDeadlinePolicies } from '../../machines/feedback-inquiry/index.js';
import { CaseDriver, almaty, calendar, deps } from './helpers.js';

const DAY = 86_400_000;
const dayIn = (from: string, span: number) =>
  fc.integer({ min: 0, max: span }).map((n) => new Date(Date.parse(`${from}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10));

describe('properties of the deadlines', () => {
  it('should keep the total extension ≤ 30 and the review end at receipt + 15 + total, moved to a working day', () => {
    fc.assert(
      fc.property(dayIn('2025-01-01', 650), fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 5 }), (received, requests) => {
        const c = new CaseDriver(feedbackInquiry, { applicant: { name: 'A', email: 'a@b.kz' }, language: 'ru', kind: 'question', text: 'q' }, almaty(received), 'car');
        let total = 0;
        for (const days of requests) {
          const r = c.try('extend', { days, reason: 'r' }, almaty(received, '11:00'), 'chairman');
          if (total + days <= 30) {
            expect(r.ok).toBe(true);
            total += days;
          } else {
            expect(r).toMatchObject({ ok: false, code: 'invalid_request' });
            expect(!r.ok && r.message).toContain(`${30 - total}`);
          }
        }
        const review = c.deadline('review');
        expect(c.context.extensionDays).toBe(total);
        expect(review.lastDay).toBe(calendar.addCalendarDays(almaty(received), 15 + total).lastDay);
        expect(calendar.isWorkingDay(review.lastDay)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('should judge a closing met exactly when it occurs before dueAt, whatever was observed before', () => {
    const policy = feedbackInquiryDeadlinePolicies.extension_notice;
    fc.assert(
      fc.property(dayIn('2025-01-01', 700), fc.integer({ min: -5 * DAY, max: 5 * DAY }), fc.boolean(), (day, offset, observed) => {
        let d = openAfter(deps, policy, almaty(day));
        if (observed) d = observeMissed(d, d.dueAt);
        const at = new Date(Date.parse(d.dueAt) + offset).toISOString();
        const closed = close(deps, d, at);
        expect(closed.open).toBe(false);
        expect(closed.status).toBe(offset < 0 ? 'met' : 'met_late');
        if (offset >= 0) expect(closed.shortfall!.amount).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it('should propagate calendar_year_unknown instead of guessing a deadline', () => {
    expect(() =>
      new CaseDriver(feedbackInquiry, { applicant: { name: 'A', email: 'a@b.kz' }, language: 'ru', kind: 'question', text: 'q' }, almaty('2030-01-10'), 'car'),
    ).toThrow(expect.objectContaining({ code: 'calendar_year_unknown' }));
  });
});
