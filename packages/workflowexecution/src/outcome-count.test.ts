import type { ExecutionResult } from '@roundhouse/core';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { Registry as MetricsRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { outcomeMetrics } from './outcome-metrics.js';
import {
  reconcileContext as ctx,
  jobCompleted,
  jobRegistry,
  reconcilerOver,
} from './reconciler.test-support.js';

/*
 * An execution's end is counted once (OutcomeCount), when the answer to its terminal write was
 * lost too: whether the write landed or not, and however stale the copy the retry reads.
 */

const now = new Date('2026-01-01T00:10:00Z');

/** `stored` Running on the job engine's resource since a minute before `now`. */
function running(stored: KubeObject): KubeObject {
  return {
    ...stored,
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:09:00Z',
      executionRef: { name: 'wfe-0123456789abcdef' },
      conditions: [],
    },
  };
}

/**
 * A Running execution whose engine reports `result`, on a server whose first write of the
 * phase `lost` loses its answer: after the write (`landed`) or before it.
 */
function losingAnswer(result: ExecutionResult | null, lost: string, landed: boolean) {
  const api = executionServer(running(storedExecution('w')), { conditional: true });
  const registry = new MetricsRegistry();
  const send = api.patch.getMockImplementation();
  let lostOnce = false;
  api.patch.mockImplementation(async (...args) => {
    if (!send) throw new Error('the execution server patches nothing');
    const phase = (args[3] as { status?: { phase?: string } }).status?.phase;
    if (phase !== lost || lostOnce) return send(...args);
    lostOnce = true;
    if (landed) await send(...args);
    throw new KubernetesApiError('Timeout', 'the request timed out', 504);
  });
  const reconciler = reconcilerOver(api, {
    registry: jobRegistry({ getStatus: async () => result }),
    outcomes: outcomeMetrics(registry),
    now: () => now,
  });
  const count = async (outcome: string) => {
    const metric = await registry.getSingleMetric('workflowexecution_reconciler_total')?.get();
    return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  };
  return { api, reconciler, count };
}

describe('outcome metrics: a terminal write whose answer was lost', () => {
  it('counts a Completed write that landed once the execution is seen Completed, and never again', async () => {
    const run = losingAnswer(jobCompleted('2026-01-01T00:09:30Z'), 'Completed', true);
    await expect(run.reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('timed out');
    expect(run.api.state.stored.status).toMatchObject({ phase: 'Completed' });
    expect(await run.count('Completed')).toBe(0);
    // The write's echo wakes the execution: seen Completed, it is counted; a resync adds nothing.
    await run.reconciler.reconcile('team-a/w', ctx());
    await run.reconciler.reconcile('team-a/w', ctx());
    expect(await run.count('Completed')).toBe(1);
  });

  it('counts a Failed write that landed (a resource deleted mid-run) once', async () => {
    const run = losingAnswer(null, 'Failed', true);
    await expect(run.reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('timed out');
    await run.reconciler.reconcile('team-a/w', ctx());
    await run.reconciler.reconcile('team-a/w', ctx());
    expect(run.api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'ExecutionResourceDeleted' },
    });
    expect(await run.count('Failed')).toBe(1);
  });

  it('counts a write that never landed once, when the retry writes it', async () => {
    const run = losingAnswer(jobCompleted('2026-01-01T00:09:30Z'), 'Completed', false);
    await expect(run.reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('timed out');
    expect(run.api.state.stored.status).toMatchObject({ phase: 'Running' });
    await run.reconciler.reconcile('team-a/w', ctx());
    await run.reconciler.reconcile('team-a/w', ctx());
    expect(run.api.state.stored.status).toMatchObject({ phase: 'Completed' });
    expect(await run.count('Completed')).toBe(1);
  });

  it('counts a write that landed once when the retry read a copy from before it: its write found the phase there', async () => {
    const run = losingAnswer(jobCompleted('2026-01-01T00:09:30Z'), 'Completed', true);
    const before = run.api.state.stored;
    await expect(run.reconciler.reconcile('team-a/w', ctx())).rejects.toThrow('timed out');
    // A cache behind the write: the retry decides Completed again, its write conflicts, and the
    // fresh read shows it written.
    const reader = run.api.reader.get;
    run.api.reader.get = (async () => before) as typeof reader;
    await run.reconciler.reconcile('team-a/w', ctx());
    expect(await run.count('Completed')).toBe(0);
    run.api.reader.get = reader;
    await run.reconciler.reconcile('team-a/w', ctx());
    await run.reconciler.reconcile('team-a/w', ctx());
    expect(await run.count('Completed')).toBe(1);
  });
});
