import { markLaunched, markQueued, markSucceeded } from '@roundhouse/controller';
import { type Executor, noopLogger, Registry } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { abortAction, isFinishedAction, labelFinished } from './abort.js';
import { now, queuedAction } from './reconciler.test-support.js';
import { defaultRouting } from './routing.js';
import { taskActionView } from './spec.js';

const abortedAt = new Date('2026-03-01T10:05:00Z');
const queued = markQueued({}, { now }) ?? {};
const initializing = markLaunched({ ...queued, attempts: 2 }, 'job created', { now }) ?? {};

/** The action, deleted while its status was `status`, holding the abort finalizer. */
function deleted(status: object, taskType = 'container'): KubeObject {
  const action = queuedAction({ cacheSerializable: true, retries: 1 });
  return {
    metadata: { ...action.metadata, resourceVersion: '9', deletionTimestamp: now.toISOString() },
    spec: { ...action.spec, taskType, cacheKey: 'k1' },
    status,
  };
}

/** Every step of the abort, in the order it happened. */
function harness(options: { sinkFails?: boolean } = {}) {
  const steps: string[] = [];
  const executor = {
    engine: 'job',
    cleanup: vi.fn(async (wfe: { metadata: { name: string } }) => {
      steps.push(`cleanup ${wfe.metadata.name}`);
    }),
  } as unknown as Executor;
  const client = {
    get: vi.fn(),
    patch: vi.fn(async (_t: unknown, _ns: unknown, _n: unknown, body: unknown) => {
      steps.push(`patch ${JSON.stringify(body)}`);
      return {};
    }),
  };
  const sink = {
    record: vi.fn(async (event: { phase: string; occurredAt: string }) => {
      if (options.sinkFails) throw new Error('events service unavailable');
      steps.push(`event ${event.phase} ${event.occurredAt}`);
    }),
  };
  const cache = {
    release: vi.fn(async () => {
      steps.push('release');
    }),
  };
  const ctx = {
    client: client as never,
    registry: new Registry().register(executor),
    routing: defaultRouting,
    executionNamespace: 'exec',
    sink,
    cache,
    logger: noopLogger,
    now: () => abortedAt,
    signal: new AbortController().signal,
  };
  return { ctx, steps, executor };
}

const finalizerRemoved = `patch ${JSON.stringify({ metadata: { resourceVersion: '9', finalizers: [] } })}`;

describe('abortAction', () => {
  it('aborts every attempt, releases the reservation, records Aborted at the abort time, then lets go', async () => {
    const { ctx, steps } = harness();
    await abortAction(deleted(initializing), ctx);
    expect(steps).toEqual([
      'cleanup run1-a1-1',
      'cleanup run1-a1-0',
      'release',
      'event Aborted 2026-03-01T10:05:00.000000Z',
      finalizerRemoved,
    ]);
  });

  it('aborts every attempt the spec allows, whatever attempt count a signaller wrote', async () => {
    // Whoever may signal may write status.attempts: 2^31 held the worker in cleanup reads for
    // ever, and the action could never go; 1 left attempt 2's Job running after it was gone.
    for (const attempts of [2 ** 31, 1]) {
      const { ctx, steps } = harness();
      await abortAction(deleted({ ...initializing, attempts }), ctx);
      expect(
        steps.filter((step) => step.startsWith('cleanup')),
        String(attempts),
      ).toEqual(['cleanup run1-a1-1', 'cleanup run1-a1-0']);
      expect(steps.at(-1)).toBe(finalizerRemoved);
    }
  });

  it('keeps the finalizer when the Aborted event cannot be recorded', async () => {
    const { ctx, steps } = harness({ sinkFails: true });
    await expect(abortAction(deleted(initializing), ctx)).rejects.toThrow(
      'events service unavailable',
    );
    expect(steps.some((step) => step.startsWith('patch'))).toBe(false);
  });

  it('lets go of an action whose task type no engine runs any more, without hanging', async () => {
    const { ctx, steps, executor } = harness();
    await abortAction(deleted(initializing, 'spark'), ctx);
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(steps.at(-1)).toBe(finalizerRemoved);
  });

  it('reports nothing new for an action that had finished, and still cleans up', async () => {
    const { ctx, steps } = harness();
    const completed = markSucceeded(initializing, 'done', { now }) ?? {};
    await abortAction(deleted(completed), ctx);
    expect(steps.some((step) => step.startsWith('event'))).toBe(false);
    expect(steps).toContain('release');
    expect(steps.at(-1)).toBe(finalizerRemoved);
  });

  it('does nothing without its finalizer', async () => {
    const { ctx, steps } = harness();
    const object = deleted(initializing);
    await abortAction({ ...object, metadata: { ...object.metadata, finalizers: [] } }, ctx);
    expect(steps).toEqual([]);
  });
});

describe('the labels of a finished action', () => {
  const succeeded = markSucceeded(initializing, 'done', { now }) ?? {};
  const labelled = (completedTime: string): KubeObject => {
    const object = deleted(succeeded);
    const { deletionTimestamp: _, ...metadata } = object.metadata ?? {};
    return {
      ...object,
      metadata: {
        ...metadata,
        labels: {
          'roundhouse.dev/termination-status': 'terminated',
          'roundhouse.dev/completed-time': completedTime,
        },
      },
    };
  };

  it('are the time its status says it ended, not the ones a manifest exported from an earlier action carried', async () => {
    const exported = labelled('2020-01-01.00-00');
    expect(isFinishedAction(exported)).toBe(false);
    const { ctx, steps } = harness();
    await labelFinished(exported, taskActionView(exported), { ...ctx, now: abortedAt });
    expect(steps).toEqual([
      `patch ${JSON.stringify({
        metadata: {
          labels: {
            'roundhouse.dev/termination-status': 'terminated',
            'roundhouse.dev/completed-time': '2026-03-01.10-00',
          },
        },
      })}`,
    ]);
  });

  it('are written once: an action labelled with the time it ended is left as it is and may be collected', async () => {
    const own = labelled('2026-03-01.10-00');
    expect(isFinishedAction(own)).toBe(true);
    const { ctx, steps } = harness();
    await labelFinished(own, taskActionView(own), { ...ctx, now: abortedAt });
    expect(steps).toEqual([]);
  });
});
