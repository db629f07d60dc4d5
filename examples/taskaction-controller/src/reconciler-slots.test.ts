import { markLaunched, phaseOf } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { AttemptSlots } from './attempt-slot-gate.js';
import {
  attemptJob,
  lastWritten,
  now,
  queuedAction,
  reconcilerOnFakes,
} from './reconciler.test-support.js';
import { taskJobExecutor } from './task-executor.js';

/** Another action of namespace ns whose attempt runs. */
const running: KubeObject = {
  metadata: { name: 'run1-a0', namespace: 'ns', creationTimestamp: '2026-03-01T09:00:00Z' },
  spec: { taskType: 'container' },
  status: markLaunched(queuedAction().status as never, 'job created', { now }),
};

/** Action a1 (queued, created after `running`) on fakes, its namespace capped at `max`. */
function capped(max: number, job: KubeObject | null = null) {
  const action = {
    ...queuedAction(),
    metadata: { ...queuedAction().metadata, creationTimestamp: '2026-03-01T09:30:00Z' },
  };
  const slots = new AttemptSlots({ max, wake: () => {} });
  for (const peer of [running, action]) slots.track(peer);
  return reconcilerOnFakes(action, {
    slots,
    job,
    executor: { watches: taskJobExecutor({} as never).watches },
  });
}

describe('TaskActionReconciler under --max-attempts-per-namespace', () => {
  it('keeps an action over its namespace cap Queued, saying why and what frees it, and launches nothing', async () => {
    const { reconcile, client, executor } = capped(1);
    // Looked at again after 6 to 9 requeue periods (10 s by default) should its wake never come.
    const result = await reconcile();
    expect(result?.requeueAfter).toBeGreaterThanOrEqual(60_000);
    expect(result?.requeueAfter).toBeLessThanOrEqual(90_000);
    expect(executor.create).not.toHaveBeenCalled();
    const written = lastWritten(client);
    expect(phaseOf(written.status as never)).toBe('Queued');
    const progressing = (written.status as { conditions: { message: string }[] }).conditions[0];
    expect(progressing?.message).toMatch(
      /^WaitingForAttemptSlot: namespace ns has 1 attempts in flight.*starts by itself when one of them ends/,
    );
  });

  it('launches an action under the cap', async () => {
    const { reconcile, client, executor } = capped(2);
    await reconcile();
    expect(executor.create).toHaveBeenCalled();
    expect(phaseOf(lastWritten(client).status as never)).toBe('Initializing');
  });

  it('goes on with an attempt over the cap whose own Job exists (a controller stopped before saying it launched): it is in flight', async () => {
    const { reconcile, client, executor } = capped(1, attemptJob('run1-a1-0', 'job-uid', 'u1'));
    await reconcile();
    expect(executor.create).toHaveBeenCalled();
    expect(phaseOf(lastWritten(client).status as never)).toBe('Initializing');
  });
});
