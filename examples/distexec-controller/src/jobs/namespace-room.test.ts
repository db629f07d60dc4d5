import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { jobsInFlightByNamespace, jobsInFlightByOwner } from './job-index.js';
import {
  maxUnansweredReads,
  NamespaceJobRoom,
  type RoomClaim,
  type RoomSlot,
  unansweredHoldMs,
  unansweredReadIntervalMs,
} from './namespace-room.js';

/**
 * An informer that has seen the Jobs in `seen`, of which those in `running` are unfinished,
 * each of the DistExec `owner` names; `add` and `remove` are its watch's events for a Job of
 * the execution namespace.
 */
function informer() {
  const seen = new Map<string, KubeObject>();
  const owner = new Map<string, string>();
  const running = new Set<string>();
  const handlers: Record<string, ((job: KubeObject) => void)[]> = { add: [], delete: [] };
  const jobs = {
    seen,
    running,
    /** The resourceVersion the informer is current to: of its last list, event or bookmark. */
    resourceVersion: '',
    byIndex: (index: string, key: string) =>
      [...running]
        .filter((name) =>
          index === jobsInFlightByNamespace
            ? owner.get(name)?.startsWith(`${key}/`)
            : index === jobsInFlightByOwner && owner.get(name) === key,
        )
        .map((name) => seen.get(name) as KubeObject),
    get: (_namespace: string | undefined, name: string) => seen.get(name),
    on: (event: string, handler: (job: KubeObject) => void) => {
      handlers[event]?.push(handler);
      return jobs;
    },
    add(name: string, of = 'ops/a') {
      const job = { metadata: { name, namespace: 'exec' } };
      seen.set(name, job);
      owner.set(name, of);
      running.add(name);
      for (const handler of handlers.add ?? []) handler(job);
    },
    remove(name: string) {
      const job = seen.get(name) ?? { metadata: { name, namespace: 'exec' } };
      seen.delete(name);
      running.delete(name);
      for (const handler of handlers.delete ?? []) handler(job);
    },
  };
  return jobs;
}

/** A slot `take` must give. */
function taken(room: NamespaceJobRoom, claim: RoomClaim): RoomSlot {
  const slot = room.take(claim);
  if (!slot) throw new Error(`no slot for ${claim.key}`);
  return slot;
}

const a = { key: 'ops/a', createdAt: '2026-01-01T00:00:00Z' };
const b = { key: 'ops/b', createdAt: '2026-01-01T00:01:00Z' };
const c = { key: 'ops/c', createdAt: '2026-01-01T00:02:00Z' };

describe('NamespaceJobRoom', () => {
  it('counts creates in flight and created Jobs the informer has not shown, so reconciles at once never pass the limit together', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(2, jobs, 'exec');
    // Two reconciles each take a slot before their creates are answered.
    const first = taken(room, a);
    const second = taken(room, a);
    expect(room.take(a)).toBeUndefined();
    expect(room.take(b)).toBeUndefined();
    // Both answered; the watch has shown neither Job yet: still no room.
    room.settle(first, 'job-a');
    room.settle(second, 'job-b');
    expect(room.take(a)).toBeUndefined();
    // The watch shows them running: counted once, by the informer.
    jobs.add('job-a');
    jobs.add('job-b');
    expect(room.take(a)).toBeUndefined();
    // One finishes: its slot is free.
    jobs.running.delete('job-a');
    room.leave('ops/b');
    expect(room.take(a)).toBeDefined();
    expect(room.take({ key: 'other/a', createdAt: a.createdAt })).toBeDefined();
  });

  it('frees the slot of a Job the watch showed and that is gone before the next create', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    room.settle(taken(room, a), 'job-a');
    // Shown, finished and deleted (its TTL, its DistExec) while no create of ops ran.
    jobs.add('job-a');
    jobs.remove('job-a');
    expect(room.take(a)).toBeDefined();
  });

  it('frees the slot of a Job a relist never showed once the informer shows one created after it', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    // Created while the watch is broken, and deleted by someone else before the relist.
    room.settle(taken(room, a), 'job-a');
    expect(room.take(a)).toBeUndefined();
    // Another namespace's create, sent after that one was answered: the relist shows it alone.
    const later = { key: 'other/x', createdAt: a.createdAt };
    room.settle(taken(room, later), 'job-x');
    jobs.add('job-x', 'other/x');
    expect(room.take(a)).toBeDefined();
  });

  it('frees the slot of a Job a relist never showed once the informer is current past its create', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    // The watch broke at 90; the Job, created at 100, is deleted by someone else meanwhile.
    jobs.resourceVersion = '90';
    room.settle(taken(room, a), 'job-a', '100');
    expect(room.take(a)).toBeUndefined();
    expect(room.next('ops')).toBeUndefined();
    // The relist, at 150, holds no job-a and reports nothing of it; no create follows anywhere.
    jobs.resourceVersion = '150';
    expect(room.next('ops')).toBe('ops/a');
    expect(room.take(a)).toBeDefined();
  });

  it('keeps the slot of a created Job until the informer is past its create, and then counts it', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    jobs.resourceVersion = '90';
    room.settle(taken(room, a), 'job-a', '100');
    // Events before the create's own: the informer cannot know of it yet.
    jobs.resourceVersion = '99';
    expect(room.take(a)).toBeUndefined();
    // Its add, then the informer past it: counted by the informer, once, until it finishes.
    jobs.add('job-a');
    jobs.resourceVersion = '150';
    expect(room.take(a)).toBeUndefined();
    jobs.running.delete('job-a');
    expect(room.take(a)).toBeDefined();
  });

  it('holds no slot for a create answered after the informer showed its Job come and go', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    const slot = taken(room, a);
    jobs.add('job-a');
    jobs.remove('job-a');
    jobs.resourceVersion = '120';
    room.settle(slot, 'job-a', '100');
    expect(room.take(a)).toBeDefined();
  });

  it('keeps the slot of a created Job whose version cannot be ordered until its add', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    jobs.resourceVersion = 'b7';
    room.settle(taken(room, a), 'job-a', 'a3');
    jobs.resourceVersion = 'c9';
    expect(room.take(a)).toBeUndefined();
    jobs.add('job-a');
    jobs.running.delete('job-a');
    expect(room.take(a)).toBeDefined();
  });

  it('keeps the slot of a created Job whose add is late behind one created alongside it', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    // Both sent before either was answered: the API server may have made either first.
    const mine = taken(room, a);
    const alongside = taken(room, { key: 'other/x', createdAt: a.createdAt });
    room.settle(mine, 'job-a');
    room.settle(alongside, 'job-x');
    jobs.add('job-x', 'other/x');
    expect(room.take(a)).toBeUndefined();
    // Its add comes: counted by the informer until it finishes.
    jobs.add('job-a');
    expect(room.take(a)).toBeUndefined();
    jobs.running.delete('job-a');
    expect(room.take(a)).toBeDefined();
  });

  it('frees the slot of a create that made nothing, and has no limit without one', () => {
    const room = new NamespaceJobRoom(1, informer(), 'exec');
    room.settle(taken(room, a));
    expect(room.take(a)).toBeDefined();
    const unlimited = new NamespaceJobRoom(undefined, informer(), 'exec');
    for (let i = 0; i < 1_000; i += 1) expect(unlimited.take(a)).toBeDefined();
    expect(unlimited.next('ops')).toBeUndefined();
  });

  it('keeps the slot of a create whose answer was lost, whose Job exists, until the informer shows the Job', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    jobs.resourceVersion = '90';
    // The create timed out; the API server had made job-a all the same.
    room.settleUnanswered(taken(room, a), 'job-a');
    room.leave(a.key);
    expect(room.take(b)).toBeUndefined();
    expect(room.unanswered('ops')).toEqual(['job-a']);
    expect(room.unanswered('other')).toEqual([]);
    // The read finds it, made at 100: the informer, at 95, cannot have counted it yet.
    jobs.resourceVersion = '95';
    room.read('job-a', { metadata: { name: 'job-a', resourceVersion: '100' } });
    expect(room.unanswered('ops')).toEqual([]);
    expect(room.take(b)).toBeUndefined();
    // Shown: counted by the informer, until it finishes.
    jobs.add('job-a');
    jobs.resourceVersion = '110';
    expect(room.take(b)).toBeUndefined();
    jobs.running.delete('job-a');
    expect(room.take(b)).toBeDefined();
  });

  it('frees the slot of a create whose answer was lost once a read finds no Job, and not before', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    room.settleUnanswered(taken(room, a), 'job-a');
    room.leave(a.key);
    // A read that fails tells nothing: the slot stays held.
    room.readFailed('job-a');
    expect(room.take(b)).toBeUndefined();
    room.read('job-a', null);
    expect(room.unanswered('ops')).toEqual([]);
    expect(room.take(b)).toBeDefined();
  });

  it('frees the slot of a create whose answer was lost once its add comes, or a create of it again is answered', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(2, jobs, 'exec');
    room.settleUnanswered(taken(room, a), 'job-a');
    room.leave(a.key);
    // Shown, finished and deleted before any read: nothing holds the slot.
    jobs.add('job-a');
    jobs.remove('job-a');
    expect(room.unanswered('ops')).toEqual([]);
    // Lost again, then made again, which adopts the Job (answered at 100; the informer is at 110).
    room.settleUnanswered(taken(room, a), 'job-b');
    jobs.resourceVersion = '110';
    room.settle(taken(room, a), 'job-b', '100');
    room.leave(a.key);
    expect(room.unanswered('ops')).toEqual([]);
    expect(taken(room, b)).toBeDefined();
    expect(taken(room, b)).toBeDefined();
  });

  it(`frees the slot of a create whose answer was lost only once ${maxUnansweredReads} reads of its Job failed and ${unansweredHoldMs} ms passed`, () => {
    let now = 1_000;
    const room = new NamespaceJobRoom(1, informer(), 'exec', () => now);
    room.settleUnanswered(taken(room, a), 'job-a');
    room.leave(a.key);
    // Many reads failing at once (several DistExecs of the namespace reconciling): one blip.
    for (let read = 0; read < 3 * maxUnansweredReads; read += 1) room.readFailed('job-a');
    expect(room.take(b)).toBeUndefined();
    now += unansweredHoldMs;
    room.readFailed('job-a');
    expect(room.take(b)).toBeDefined();
  });

  it("says when the next read of a lost create's Job is due: an interval after the last that failed, then at the end of the hold", () => {
    let now = 1_000;
    const lostAt = now;
    const room = new NamespaceJobRoom(1, informer(), 'exec', () => now);
    expect(room.readDueIn('ops')).toBeUndefined();
    room.settleUnanswered(taken(room, a), 'job-a');
    room.leave(a.key);
    expect(room.readDueIn('ops')).toBe(unansweredReadIntervalMs);
    expect(room.readDueIn('other')).toBeUndefined();
    now += 10;
    room.readFailed('job-a');
    expect(room.readDueIn('ops')).toBe(unansweredReadIntervalMs);
    // Reads failing back to back (one blip): the slot can be freed no sooner than the hold's end.
    for (let read = 1; read < maxUnansweredReads; read += 1) room.readFailed('job-a');
    expect(room.readDueIn('ops')).toBe(lostAt + unansweredHoldMs - now);
    // Past it, the read is due at once.
    now = lostAt + 2 * unansweredHoldMs;
    expect(room.readDueIn('ops')).toBe(1);
    room.readFailed('job-a');
    expect(room.readDueIn('ops')).toBeUndefined();
    expect(room.take(b)).toBeDefined();
  });

  it(`holds the slot of a create whose answer was lost past ${unansweredHoldMs} ms until ${maxUnansweredReads} reads failed`, () => {
    let now = 1_000;
    const room = new NamespaceJobRoom(1, informer(), 'exec', () => now);
    room.settleUnanswered(taken(room, a), 'job-a');
    room.leave(a.key);
    now += 10 * unansweredHoldMs;
    for (let read = 1; read < maxUnansweredReads; read += 1) room.readFailed('job-a');
    expect(room.take(b)).toBeUndefined();
    room.readFailed('job-a');
    expect(room.take(b)).toBeDefined();
  });

  it("gives a slot its DistExec's own Job freed to a later DistExec holding fewer, oldest first", () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(3, jobs, 'exec');
    // A, of many nodes, fills the room before B and C ask.
    for (const name of ['a-1', 'a-2', 'a-3']) {
      room.settle(taken(room, a), name);
      jobs.add(name, 'ops/a');
    }
    expect(room.take(c)).toBeUndefined();
    expect(room.take(b)).toBeUndefined();
    expect(room.next('ops')).toBeUndefined();
    // A's Job ends and A's reconcile, which its Job wakes first, asks again: B's turn, the
    // older of the two holding none.
    jobs.running.delete('a-1');
    expect(room.take(a)).toBeUndefined();
    expect(room.next('ops')).toBe('ops/b');
    expect(room.take(c)).toBeUndefined();
    room.settle(taken(room, b), 'b-1');
    jobs.add('b-1', 'ops/b');
    // The next slot is C's: it holds none, A and B one each.
    jobs.running.delete('a-2');
    expect(room.take(a)).toBeUndefined();
    expect(room.take(b)).toBeUndefined();
    expect(room.next('ops')).toBe('ops/c');
    // C gone (or needing no more room): the slot is A's again, older than B and holding as many.
    room.leave('ops/c');
    expect(room.next('ops')).toBe('ops/a');
    expect(room.take(a)).toBeDefined();
  });

  it('lets one reconcile take its part of the free slots, not one slot, and leaves the rest to the other asking', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(10, jobs, 'exec');
    // Z fills the room; A and B ask while it is full.
    for (let i = 0; i < 10; i += 1) {
      room.settle(taken(room, { key: 'ops/z', createdAt: a.createdAt }), `z-${i}`);
      jobs.add(`z-${i}`, 'ops/z');
    }
    expect(room.take(a)).toBeUndefined();
    expect(room.take(b)).toBeUndefined();
    room.leave('ops/z');
    for (let i = 0; i < 10; i += 1) jobs.running.delete(`z-${i}`);
    // One reconcile of A takes a slot for each node until what is left is B's.
    const slotsOf = (claim: RoomClaim) => {
      const slots: RoomSlot[] = [];
      for (let slot = room.take(claim); slot; slot = room.take(claim)) slots.push(slot);
      return slots;
    };
    expect(slotsOf(a)).toHaveLength(5);
    expect(room.next('ops')).toBe('ops/b');
    expect(slotsOf(b)).toHaveLength(5);
    expect(room.next('ops')).toBeUndefined();
  });
});
