import { phaseOf } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import {
  attemptJob,
  lastWritten,
  queuedAction,
  reconcilerOnFakes,
} from './reconciler.test-support.js';
import { taskJobExecutor } from './task-executor.js';

/** Queued for attempt 1, with an image the controller allowed when it launched that attempt. */
const queued = queuedAction({ image: 'registry.old/task:1' });

/** The Job of attempt 1, created by a controller that stopped before writing `Initializing`. */
const ownJob = attemptJob('attempt-job', 'job-uid', 'u1');

/** A controller whose `--allowed-images` no longer allows the action's image. */
const narrowedController = (job: KubeObject | null) =>
  reconcilerOnFakes(queued, {
    job,
    allowedImages: ['registry.new/*'],
    executor: {
      watches: taskJobExecutor({} as never).watches,
      create: vi.fn(async () => ({ resourceName: 'attempt-job', warnings: [] })),
    },
  });

describe('TaskActionReconciler and an --allowed-images narrowed while it was down', () => {
  it('goes on with an attempt whose own Job it created before it stopped, instead of leaving it running unwatched', async () => {
    const { reconcile, client, executor } = narrowedController(ownJob);
    await reconcile();
    expect(executor.create).toHaveBeenCalled();
    const written = lastWritten(client);
    expect(phaseOf(written.status as never)).toBe('Initializing');
  });

  it('still launches no attempt of an image it no longer allows when no Job of it exists', async () => {
    const { reconcile, client, executor } = narrowedController(null);
    await reconcile();
    expect(executor.create).not.toHaveBeenCalled();
    const written = lastWritten(client);
    expect(phaseOf(written.status as never)).toBe('InvalidSpec');
  });
});
