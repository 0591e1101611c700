/**
 * What the machines and the runtime assume of XState (5.33.3) beyond its documented
 * behaviour. Each test fails if XState changes the assumption, so the code that rests on it
 * (named in each test) is revisited.
 */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, emit, enqueueActions, getStateNodes, sendParent, setup } from 'xstate';
import { hasParent } from '../../machines/common/parent.js';

describe('XState assumptions', () => {
  it('hasParent (common/parent.ts): true in an invoked child, false for a root actor', () => {
    const seen: Record<string, boolean> = {};
    const child = setup({}).createMachine({
      entry: enqueueActions(({ self }) => {
        seen[self.id] = hasParent(self);
      }),
    });
    const parent = setup({ actors: { child } }).createMachine({
      invoke: { id: 'invoked', src: 'child' },
    });
    createActor(parent).start().stop();
    createActor(child, { id: 'alone' }).start().stop();
    expect(seen).toEqual({ invoked: true, alone: false });
  });

  it('sendParent without a parent fails the actor (why P2 and P5 check hasParent before reporting)', () => {
    const m = createMachine({ entry: sendParent({ type: 'x' }) });
    const a = createActor(m);
    a.subscribe({ error: () => {} });
    a.start();
    expect(a.getSnapshot().status).toBe('error');
    expect(String((a.getSnapshot() as { error?: unknown }).error)).toContain('Unable to send event');
  });

  it("an invoked child's emit reaches no listener on its parent (why P5 sends its effect to the parent to emit)", () => {
    const child = setup({ types: { emitted: {} as { type: 'effect' } } }).createMachine({ entry: emit({ type: 'effect' }) });
    const parent = setup({ actors: { child } }).createMachine({ invoke: { id: 'c', src: 'child' } });
    const heard: string[] = [];
    const a = createActor(parent);
    a.on('*', (e) => heard.push(e.type));
    a.start();
    a.stop();
    expect(heard).toEqual([]);
  });

  it('emit runs inside start/send, before they return (the runtime collects a step’s effects synchronously)', () => {
    const m = setup({ types: { emitted: {} as { type: 'effect'; n: number }, events: {} as { type: 'go' } } }).createMachine({
      entry: emit({ type: 'effect', n: 1 }),
      on: { go: { actions: emit({ type: 'effect', n: 2 }) } },
    });
    const heard: number[] = [];
    const a = createActor(m);
    a.on('effect', (e) => heard.push(e.n));
    a.start();
    expect(heard).toEqual([1]);
    a.send({ type: 'go' });
    expect(heard).toEqual([1, 2]);
    a.stop();
  });

  it('getStateNodes(root, value) lists every active node, parallel regions included (runtime.ts structuralEvents)', () => {
    const m = createMachine({
      id: 'm',
      initial: 'p',
      on: { atRoot: {} },
      states: {
        p: {
          type: 'parallel',
          on: { atP: {} },
          states: {
            a: { initial: 'a1', states: { a1: { on: { inA1: {} } } } },
            b: { initial: 'b1', states: { b1: { on: { inB1: {} } }, b2: {} } },
          },
        },
      },
    });
    const snap = createActor(m).getSnapshot();
    const ids = new Set(getStateNodes(m.root, snap.value).map((n) => n.id));
    expect([...ids].sort()).toEqual(['m', 'm.p', 'm.p.a', 'm.p.a.a1', 'm.p.b', 'm.p.b.b1']);
  });
});
