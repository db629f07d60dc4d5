import type { ExecutionResult } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  jobRegistry,
  reconcilerOver,
} from './reconciler.test-support.js';

/** A running execution of the job engine, started at midnight, with a deadline an hour away. */
function runningExecution() {
  return executionServer({
    ...storedExecution('w'),
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:00:00Z',
      executionRef: { name: 'wfe-0123456789abcdef' },
      conditions: [],
    },
  });
}

const start = Date.parse('2026-01-01T00:00:10Z');

describe('WorkflowExecutionReconciler and an engine that asks to be read again (recheckAfterMs)', () => {
  it('looks at a watched execution again when the engine says its result may change by then, not at the resync', async () => {
    const api = runningExecution();
    let report: ExecutionResult = { ...engineRunning, recheckAfterMs: 6_000 };
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ getStatus: async () => report }),
      watchedEngines: new Set(['job']),
      now: () => new Date(start),
    });
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 6_000 });
    report = engineRunning;
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 60_000 });
  });

  it.each([
    ['later than the resync', 10 * 60_000],
    ['huge', Number.MAX_SAFE_INTEGER],
    ['0', 0],
    ['negative', -5_000],
    ['fractional', 0.5],
    ['not a number', Number.NaN],
  ])(
    'looks no later and no sooner than without it at a hint that is %s',
    async (_what, recheckAfterMs) => {
      const api = runningExecution();
      const reconciler = reconcilerOver(api, {
        registry: jobRegistry({ getStatus: async () => ({ ...engineRunning, recheckAfterMs }) }),
        watchedEngines: new Set(['job']),
        now: () => new Date(start),
      });
      expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 60_000 });
    },
  );

  it('never looks sooner than a second after, however near the hint', async () => {
    const api = runningExecution();
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async () => ({ ...engineRunning, recheckAfterMs: 1 }),
      }),
      watchedEngines: new Set(['job']),
      now: () => new Date(start),
    });
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 1_000 });
  });

  it('polls a polled execution when the hint says, and keeps its schedule: the poll it brought does not push the next one back', async () => {
    const api = runningExecution();
    let clock = start;
    let reads = 0;
    const hints = [3_000, undefined, undefined];
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async () => {
          const recheckAfterMs = hints[reads++];
          return recheckAfterMs ? { ...engineRunning, recheckAfterMs } : engineRunning;
        },
      }),
      pollIntervalMs: { initial: 10_000, max: 30_000 },
      now: () => new Date(clock),
    });
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 3_000 });
    clock = start + 3_000;
    // Due by the hint: read, and the poll scheduled at +10 s stands.
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 7_000 });
    expect(reads).toBe(2);
    clock = start + 10_000;
    expect(await reconciler.reconcile('team-a/w', ctx())).toEqual({ requeueAfter: 20_000 });
    expect(reads).toBe(3);
  });
});
