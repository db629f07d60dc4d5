import { Registry } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { standInPipelineRunCrd } from '../../packages/tekton/test/stand-in-crd.js';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

/** A PipelineRun CRD in a group of its own, which no Tekton controller watches. */
const standInGroup = 'recheck.tekton.roundhouse.test';
const standInCrd = standInPipelineRunCrd(standInGroup);

/** The default resync of watched engines, the only other wake-up a PipelineRun nobody takes up gets. */
const resyncMs = 60_000;

describeWithControlPlane('a PipelineRun that can only fail by time (no Tekton controller)', () => {
  const cluster = useController('wfe-recheck-tekton');
  const { client } = cluster;

  beforeAll(async () => {
    await client().create(resources.customResourceDefinitions, undefined, standInCrd);
    await vi.waitFor(async () => {
      expect(await client().isServed({ ...resources.pipelineRuns, group: standInGroup })).toBe(
        true,
      );
    }, patience);
  });

  afterAll(async () => {
    await client().delete(resources.customResourceDefinitions, undefined, standInCrd.metadata.name);
  });

  it("fails when the engine's controller grace runs out, not at the next resync", async () => {
    await cluster.start({
      registry: (reader) =>
        new Registry().register(
          new TektonExecutor(client(), {
            reader,
            apiGroup: standInGroup,
            controllerGraceMs: 2_000,
          }),
        ),
      policy: { bundles: ['registry.example/*'] },
      resyncMs,
    });
    const wfe = await cluster.apply(
      manifest({ engine: 'tekton', bundle: 'registry.example/workflows/restart:1' }),
    );
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
      reason: 'ConfigurationError',
      wasExecutionFailure: false,
      message: expect.stringContaining('no Tekton controller has written'),
    });
  });
});
