import { describe, expect, it } from 'vitest';
import {
  cacheGate,
  markCacheHit,
  markWaitingForCache,
  waitingForCacheMessage,
  withCacheStatus,
} from './action-cache.js';
import { markLaunched, markQueued, phaseOf } from './action-status.js';

const t0 = new Date('2026-03-04T05:06:07.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);
const queued = markQueued({}, { now: t0 }) ?? {};

describe('cacheGate', () => {
  const held = { state: 'held', holder: 'uid-b', expiresAt: later(30_000) } as const;

  it('a hit wins over any reservation', () => {
    for (const reservation of [undefined, { state: 'free' } as const, held]) {
      expect(cacheGate({ outputUri: 's3://b/r/a/1/outputs.pb', reservation })).toEqual({
        gate: 'hit',
        outputUri: 's3://b/r/a/1/outputs.pb',
      });
    }
  });

  it('a miss runs, when serialized only with the reservation', () => {
    expect(cacheGate({ outputUri: undefined, reservation: undefined })).toEqual({ gate: 'run' });
    expect(cacheGate({ outputUri: undefined, reservation: { state: 'free' } })).toEqual({
      gate: 'reserve',
    });
    expect(
      cacheGate({ outputUri: undefined, reservation: { state: 'mine', renewDue: false } }),
    ).toEqual({ gate: 'reserve' });
    expect(cacheGate({ outputUri: undefined, reservation: held })).toEqual({
      gate: 'wait',
      holder: 'uid-b',
      until: later(30_000),
    });
  });
});

describe('cache transitions', () => {
  it('a hit ends a Queued action Completed with CACHE_HIT', () => {
    const next = markCacheHit(queued, 's3://b/r/a/1/outputs.pb', { now: later(1) });
    expect(phaseOf(next)).toBe('Completed');
    expect(next).toMatchObject({ cacheStatus: 'CACHE_HIT', attempts: 1, systemFailures: 0 });
    expect(next?.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({
      status: 'True',
      reason: 'Completed',
      message: 'cache hit: outputs reused from s3://b/r/a/1/outputs.pb',
    });
    expect(next?.phaseHistory?.map((h) => h.phase)).toEqual(['Queued', 'Completed']);
  });

  it('a hit applies only to a Queued action', () => {
    const launched = markLaunched(queued, 'created', { now: later(1) }) ?? {};
    expect(markCacheHit(launched, 's3://x', { now: later(2) })).toBeUndefined();
    expect(markCacheHit({}, 's3://x', { now: later(2) })).toBeUndefined();
  });

  it('waiting stays Queued, says so once per holder, and adds no history', () => {
    const waiting = markWaitingForCache(queued, 'uid-b', { now: later(1) });
    expect(phaseOf(waiting)).toBe('Queued');
    expect(waiting?.cacheStatus).toBe('CACHE_MISS');
    expect(waiting?.conditions?.[0]?.message).toBe(waitingForCacheMessage('uid-b'));
    expect(waiting?.conditions?.[0]?.message).toMatch(/^WaitingForCache: /);
    expect(waiting?.phaseHistory).toHaveLength(1);
    expect(markWaitingForCache(waiting ?? {}, 'uid-b', { now: later(2) })).toBeUndefined();
    expect(
      markWaitingForCache(waiting ?? {}, 'uid-c', { now: later(2) })?.conditions?.[0]?.message,
    ).toBe(waitingForCacheMessage('uid-c'));
    const launched = markLaunched(queued, 'created', { now: later(1) }) ?? {};
    expect(markWaitingForCache(launched, 'uid-b', { now: later(2) })).toBeUndefined();
  });

  it('withCacheStatus marks a transition and passes a skipped one through', () => {
    expect(withCacheStatus(queued, 'CACHE_POPULATED')).toEqual({
      ...queued,
      cacheStatus: 'CACHE_POPULATED',
    });
    expect(withCacheStatus(undefined, 'CACHE_POPULATED')).toBeUndefined();
  });
});
