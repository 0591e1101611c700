/**
 * engine/remote-commits.ts: the observer of another process's commits catches up after lost
 * notices (`resync`) from the transparency log — the steps logged between the last size it
 * heard and the head, in commit order, this process's own appends left out — and a notice of
 * a batch the catch-up already observed is not observed twice. The "other process" is a real
 * engine on a SQLite file; its notices are made from its log, and some are "lost".
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { silentLogger } from '../../engine/logger.js';
import { RemoteCommits } from '../../engine/remote-commits.js';
import { procedures } from '../../machines/index.js';
import { openStorage, type CommitChannel, type RemoteCommit, type Storage } from '../../storage/index.js';
import { tmpDir } from './fixtures/helpers.js';

const question = { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос?' };
const car = { actor: { name: 'car-user', role: 'car' as const } };

describe('RemoteCommits catching up after lost notices', () => {
  let engine: Engine;
  let read: Storage;
  let cleanup: () => void;
  let listener: (c: RemoteCommit) => void;
  let remote: RemoteCommits;
  const observed: string[] = [];

  const channel: CommitChannel = {
    subscribe: (l) => {
      listener = l;
      return () => undefined;
    },
    listening: () => Promise.resolve(),
  };
  const head = async () => (await read.read.ledger.head()).size;
  /** A step of the other process, and the notice its batch would have sent (delivered or not). */
  async function step(id: string | undefined, deliver: boolean): Promise<{ id: string; notice: RemoteCommit; from: number; to: number }> {
    const from = await head();
    const r = id === undefined ? await engine.createCase('feedback-inquiry', question, car) : await engine.applyEvent(id, { type: 'comment', payload: { text: 'к делу' } }, car);
    await engine.idle();
    const to = await head();
    const notice: RemoteCommit = { cases: [{ id: r.view.id, fromSeq: r.view.seq, toSeq: r.view.seq }], mailQueued: 0, logSize: to };
    if (deliver) listener(notice);
    return { id: r.view.id, notice, from, to };
  }

  beforeEach(async () => {
    const t = tmpDir('remote-commits-');
    cleanup = t.cleanup;
    const path = join(t.dir, 'db.sqlite');
    engine = await createEngine({ databasePath: path, calendar: loadKzCalendar(), procedures, clock: new SimulatedClock('2025-03-06T05:00:00.000Z') });
    read = await openStorage({ path, readOnly: true });
    observed.length = 0;
    // Before the listener starts: not "missed".
    await engine.createCase('feedback-inquiry', question, car);
    await engine.idle();
    remote = new RemoteCommits({
      channel,
      read: read.read,
      observer: () => (o) => observed.push(`${o.caseId.slice(0, 8)}#${o.seq}`),
      timers: { scheduled: () => undefined, poke: async () => undefined },
      outbox: { poke: async () => undefined },
      logger: silentLogger,
    });
    // It reads the log's head as it starts listening.
    await new Promise((r) => setTimeout(r, 20));
  });
  afterEach(async () => {
    await remote.close();
    await engine.close();
    await read.close();
    cleanup();
  });

  it('observes the missed steps in commit order, leaves out its own appends, and observes a later notice once', async () => {
    const x = await step(undefined, true);
    await remote.whenObserved();
    const tag = (id: string, seq: number) => `${id.slice(0, 8)}#${seq}`;
    expect(observed).toEqual([tag(x.id, 1)]);

    // Lost: x#2 and a new case y; x#3 is this process's own (told as its own append, never noticed).
    await step(x.id, false);
    const y = await step(undefined, false);
    const own = await step(x.id, false);
    remote.ownAppended(own.from, own.to);
    listener({ resync: true });
    await remote.whenObserved();
    expect(observed).toEqual([tag(x.id, 1), tag(x.id, 2), tag(y.id, 1)]);

    // A late copy of a notice the catch-up covered is not observed again; a new one is.
    listener(y.notice);
    const next = await step(x.id, true);
    await remote.whenObserved();
    expect(observed).toEqual([tag(x.id, 1), tag(x.id, 2), tag(y.id, 1), tag(next.id, 4)]);

    // A resync with nothing missed observes nothing.
    listener({ resync: true });
    await remote.whenObserved();
    expect(observed).toHaveLength(4);
  });

  it('catches up from where the notices stopped even when a notice is heard before the catch-up runs', async () => {
    const x = await step(undefined, true);
    await remote.whenObserved();
    const tag = (id: string, seq: number) => `${id.slice(0, 8)}#${seq}`;
    // Lost: x#2 and an own append; then the connection is back and x#3's notice arrives at once.
    await step(x.id, false);
    const own = await step(x.id, false);
    remote.ownAppended(own.from, own.to);
    const after = await step(x.id, false);
    listener({ resync: true });
    listener(after.notice);
    await remote.whenObserved();
    expect(observed).toEqual([tag(x.id, 1), tag(x.id, 2), tag(x.id, 4)]);
  });

  it('observes nothing from before it listened', async () => {
    listener({ resync: true });
    await remote.whenObserved();
    expect(observed).toEqual([]);
  });
});
