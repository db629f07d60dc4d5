import { JobStoppingError } from '@roundhouse/awx';
import { CleanupPendingError, ResourceLockedError, RoundhouseError } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  credentialsOf,
  jobsOf,
  lockOf,
  makeExecution,
  ownSecret,
  patience,
  seedTemplate,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('AnsibleExecutor cleanup of a job that is slow to stop', () => {
  const { env, bed } = useTestbed();

  it('holds the target until the canceled job has ended, so no other execution runs on it alongside', async () => {
    // A playbook whose current task takes a while to stop once asked to cancel.
    const slowStop = { pendingMs: 20, runningMs: 600_000, cancelMs: 3_000 };
    const first = seedTemplate(bed.sim, { schedule: slowStop });
    const second = seedTemplate(bed.sim, { schedule: slowStop });
    const executor = bed.executor();
    const created = makeExecution(first.name);
    const dependencies = await ownSecret(bed.kube, env.namespace, created);
    const { resourceName } = await executor.create(created, env.namespace, { dependencies });
    const a = withRef(created, resourceName);
    await vi.waitFor(() => expect(jobsOf(bed.sim, a)[0]?.status).toBe('running'), patience);

    const pending = await executor.cleanup(a, env.namespace).catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(JobStoppingError);
    expect(pending).toBeInstanceOf(CleanupPendingError);
    expect(pending).toMatchObject({ reason: 'AWXJobStopping', retryable: true });
    expect(jobsOf(bed.sim, a)[0]?.status).toBe('running');
    expect(await lockOf(bed.kube, env.namespace, a)).not.toBeNull();
    // Its credentials go at once: the running job holds what they injected.
    expect(credentialsOf(bed.sim, a)).toEqual([]);

    // The next execution on the same target is refused while A's job still runs.
    const b = makeExecution(second.name, { targetResource: a.spec.targetResource });
    const depsB = await ownSecret(bed.kube, env.namespace, b);
    const refusal = await executor
      .create(b, env.namespace, { dependencies: depsB })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RoundhouseError);
    expect(refusal).toBeInstanceOf(ResourceLockedError);
    expect(jobsOf(bed.sim, b)).toEqual([]);

    // Looking again as a controller does, cleanup finishes once the job has ended.
    await vi.waitFor(() => executor.cleanup(a, env.namespace), { timeout: 30_000, interval: 500 });
    expect(jobsOf(bed.sim, a)[0]?.status).toBe('canceled');
    expect(await lockOf(bed.kube, env.namespace, a)).toBeNull();
    await executor.create(b, env.namespace, { dependencies: depsB });
    expect(jobsOf(bed.sim, b)).toHaveLength(1);
  });
});
