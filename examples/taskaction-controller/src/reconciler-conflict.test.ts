import { phaseOf } from '@roundhouse/controller';
import { type Executor, ResourceLockedError } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import {
  attemptJob,
  executing,
  lastWritten,
  queuedAction,
  reconcilerOnFakes,
} from './reconciler.test-support.js';
import { taskJobExecutor } from './task-executor.js';

const queued = queuedAction({ retries: 2 });

/** Someone else's Job under the name of attempt 1, labelled as that attempt, with a made-up uid. */
const decoy: KubeObject = {
  ...attemptJob('held', 'decoy-uid', 'forged'),
  status: { succeeded: 1 },
};

/** The reconciler on fakes whose engine makes Jobs, with `decoy` under the attempt's name. */
const reconcilerFor = (action: KubeObject, executor: Partial<Executor>) =>
  reconcilerOnFakes(action, {
    job: decoy,
    executor: { watches: taskJobExecutor({} as never).watches, create: vi.fn(), ...executor },
  });

describe("TaskActionReconciler and an object under its attempt's name it does not own", () => {
  it('fails the action as a ResourceConflict at launch, adopting, deleting and retrying nothing', async () => {
    const { reconcile, client, executor } = reconcilerFor(queued, {
      create: vi.fn(async () => {
        throw new ResourceLockedError('held', undefined);
      }),
    });
    await reconcile();
    const status = lastWritten(client).status as { errorState?: object; attempts?: number };
    expect(phaseOf(status as never)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'ResourceConflict', kind: 'SYSTEM' });
    expect(status.attempts).toBe(1);
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(client.delete).not.toHaveBeenCalled();
  });

  it("fails a running attempt whose Job was replaced by a look-alike, never reporting its state as the attempt's", async () => {
    const { reconcile, client, executor } = reconcilerFor(executing(queued), {});
    await reconcile();
    const status = lastWritten(client).status as { errorState?: object };
    expect(phaseOf(status as never)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'ResourceConflict' });
    expect(executor.cleanup).not.toHaveBeenCalled();
    expect(executor.create).not.toHaveBeenCalled();
    expect(client.delete).not.toHaveBeenCalled();
  });
});
