import {
  markCacheHit,
  markFailed,
  markLaunched,
  markProgress,
  markQueued,
  markRelaunched,
  markWaitingForCache,
} from '@roundhouse/controller';
import { describe, expect, it } from 'vitest';
import { abortedEvent, numberTransition, transitionEvent } from './events.js';
import { taskActionView } from './spec.js';

const at = { now: new Date('2026-03-01T10:00:00.123Z') };
const view = taskActionView({
  metadata: { name: 'run1-a0', namespace: 'flyte', uid: 'u1' },
  spec: { runName: 'run1', project: 'proj', domain: 'dev', actionName: 'a0' },
});
const must = <T>(value: T | undefined): T => {
  if (value === undefined) throw new Error('transition did not apply');
  return value;
};

describe('transitionEvent', () => {
  it('reports the new phase with who, which attempt and when', () => {
    const queued = numberTransition({}, must(markQueued({}, at)));
    expect(transitionEvent(view, queued, at.now)).toEqual({
      id: 'u1/1/1/Queued/0',
      namespace: 'flyte',
      name: 'run1-a0',
      uid: 'u1',
      project: 'proj',
      domain: 'dev',
      runName: 'run1',
      actionName: 'a0',
      attempt: 1,
      phase: 'Queued',
      message: 'waiting to launch attempt 1',
      occurredAt: '2026-03-01T10:00:00.123000Z',
      systemFailures: 0,
    });
  });

  it('gives the same transition the same id, and every other transition another', () => {
    const queued = must(markQueued({}, at));
    const later = { now: new Date('2026-03-01T11:00:00Z') };
    expect(transitionEvent(view, must(markQueued({}, later)), later.now).id).toBe(
      transitionEvent(view, queued, at.now).id,
    );
    // Executing, a system failure, a relaunch, and Executing again: four ids, none repeated.
    const policy = { maxAttempts: 1 };
    const failure = { kind: 'SYSTEM' as const, code: 'X', message: 'x', retryable: true };
    const steps = [
      must(markProgress(must(markLaunched(queued, 'created', at)), 'Executing', 'r', at)),
    ];
    steps.push(must(markFailed(steps[0] as never, failure, policy, at)));
    steps.push(must(markRelaunched(steps[1] as never, at)));
    steps.push(
      must(markProgress(must(markLaunched(steps[2] as never, 'c', at)), 'Executing', 'r', at)),
    );
    let previous = numberTransition({}, queued);
    const ids = steps.map((s) => {
      previous = numberTransition(previous, s);
      return transitionEvent(view, previous, at.now).id;
    });
    expect(new Set(ids).size).toBe(4);
  });
});

describe('the outputs an event names', () => {
  const task = taskActionView({
    ...view,
    spec: { ...view.spec, taskType: 'container', runOutputBase: 's3://bucket/run1/' },
  });

  it("are the attempt's own on every transition, as Flyte's ActionEvent has them", () => {
    const queued = must(markQueued({}, at));
    const failure = { kind: 'USER' as const, code: 'TaskFailed', message: 'x', retryable: true };
    const failed = must(markFailed(queued, failure, { maxAttempts: 2 }, at));
    const second = must(markRelaunched(failed, at));
    expect(transitionEvent(task, queued, at.now).outputs).toEqual({
      outputUri: 's3://bucket/run1/a0/1/outputs.pb',
    });
    expect(transitionEvent(task, failed, at.now).outputs).toEqual({
      outputUri: 's3://bucket/run1/a0/1/outputs.pb',
    });
    expect(transitionEvent(task, second, at.now).outputs).toEqual({
      outputUri: 's3://bucket/run1/a0/2/outputs.pb',
    });
    expect(abortedEvent(taskActionView({ ...task, status: second }), at.now).outputs).toEqual({
      outputUri: 's3://bucket/run1/a0/2/outputs.pb',
    });
  });

  it('are none for a runOutputBase longer than the spec allows, stored before the CRD bound it', () => {
    const long = taskActionView({
      ...view,
      spec: { ...view.spec, taskType: 'container', runOutputBase: `s3://${'/'.repeat(3000)}` },
    });
    expect(transitionEvent(long, must(markQueued({}, at)), at.now)).not.toHaveProperty('outputs');
  });

  it('are none for an action without runOutputBase, such as a condition', () => {
    expect(transitionEvent(view, must(markQueued({}, at)), at.now)).not.toHaveProperty('outputs');
  });
});

describe('transitionEvent of a cached action', () => {
  it('reports a hit with the cached outputs and CACHE_HIT', () => {
    const queued = numberTransition({}, must(markQueued({}, at)));
    const hit = numberTransition(
      queued,
      must(markCacheHit(queued, 's3://bucket/run0/a0/1/outputs.pb', at)),
    );
    expect(
      transitionEvent(view, hit, at.now, { outputUri: 's3://bucket/run0/a0/1/outputs.pb' }),
    ).toMatchObject({
      id: 'u1/1/2/Completed/0/CACHE_HIT',
      phase: 'Completed',
      cacheStatus: 'CACHE_HIT',
      outputs: { outputUri: 's3://bucket/run0/a0/1/outputs.pb' },
    });
  });

  it('tells waiting for the cache apart from the Queued it stays in', () => {
    const queued = must(markQueued({}, at));
    const waiting = must(markWaitingForCache(queued, 'u2', at));
    const event = transitionEvent(view, waiting, at.now);
    expect(event).toMatchObject({ phase: 'Queued', cacheStatus: 'CACHE_MISS' });
    expect(event.message).toMatch(/^WaitingForCache: .*u2/);
    expect(event.id).not.toBe(transitionEvent(view, queued, at.now).id);
  });

  it('reports no cache status for an action without a cache key', () => {
    expect(transitionEvent(view, must(markQueued({}, at)), at.now)).not.toHaveProperty(
      'cacheStatus',
    );
  });
});

describe('abortedEvent', () => {
  it('is one event per deletion, about the attempt that was running', () => {
    const running = taskActionView({ ...view, status: { attempts: 2 } });
    expect(abortedEvent(running, at.now)).toMatchObject({
      id: 'u1/aborted',
      phase: 'Aborted',
      attempt: 2,
      message: 'deleted while not yet queued; attempt 2 aborted',
    });
  });
});
