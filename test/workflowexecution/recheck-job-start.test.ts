import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { manifest } from './harness.js';

/** The default resync of watched engines, the only other wake-up a quiet Job gets. */
const resyncMs = 60_000;

describeWithControlPlane('a Job that can only fail by time (its pod is never created)', () => {
  const cluster = useController('wfe-recheck');
  const { env, client } = cluster;

  beforeAll(async () => {
    // Every pod is refused: the Job controller retries the create and writes nothing more on
    // the Job, so nothing on the watched resource says when the startup grace has run out.
    await env.controlPlane.createEnforcedQuota(cluster.executionNamespace, 'no-pods', {
      pods: '0',
    });
  });

  it("fails when the engine's startup grace runs out, not at the next resync", async () => {
    await cluster.start({
      registry: (reader) =>
        new Registry().register(new JobExecutor(client(), { reader, startupGraceMs: 2_000 })),
      resyncMs,
    });
    const wfe = await cluster.apply(manifest());
    // Bounded at half the resync: a controller that waited for it would not be done by then.
    const failed = await vi.waitFor(
      async () => {
        const read = await cluster.read(wfe.metadata.name);
        expect(read?.status?.phase).toBe('Failed');
        return read;
      },
      { timeout: resyncMs / 2, interval: 200 },
    );
    expect(failed?.status?.failureDetails).toMatchObject({
      reason: 'ResourceExhausted',
      wasExecutionFailure: false,
      message: expect.stringContaining('could not create its pod'),
    });
  });
});
