import { Registry, type WorkflowExecution } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, describeWithTekton } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { standInPipelineRunCrd } from '../../packages/tekton/test/stand-in-crd.js';
import {
  type Bundles,
  prepareNamespace,
  pushWorkflows,
} from '../../packages/tekton/test/tekton.js';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

/**
 * What the WorkflowExecution controller shows for a PipelineRun that cannot start for the
 * cluster's sake: no Tekton controller writes its status, or a ResourceQuota refuses its TaskRuns.
 */

/** A PipelineRun CRD in a group of its own, which no Tekton controller watches. */
const standInGroup = 'cannot-start.tekton.roundhouse.test';
const standInCrd = standInPipelineRunCrd(standInGroup);

/** The default resync of watched engines, the only other wake-up a PipelineRun nobody takes up gets. */
const resyncMs = 60_000;

describeWithControlPlane(
  'WorkflowExecution controller with the tekton engine and no Tekton controller',
  () => {
    const cluster = useController('wfe-no-tekton');
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
      await client().delete(
        resources.customResourceDefinitions,
        undefined,
        standInCrd.metadata.name,
      );
    });

    it('fails the execution with the cause, not run, and removes its PipelineRun', async () => {
      await cluster.start({
        registry: (reader) =>
          new Registry().register(
            new TektonExecutor(client(), {
              reader,
              apiGroup: standInGroup,
              controllerGraceMs: 1_000,
            }),
          ),
        policy: { bundles: ['registry.example/*'] },
        resyncMs,
      });
      const wfe = await cluster.apply(
        manifest({ engine: 'tekton', bundle: 'registry.example/workflows/restart:1' }),
      );
      // Nothing about the PipelineRun changes once the grace has passed: the engine's
      // recheckAfterMs brings the look forward. Bounded at half the resync, so a controller
      // that waited for the resync would not be done by then.
      const failed = await vi.waitFor(
        async () => {
          const read = await cluster.read(wfe.metadata.name);
          expect(read?.status?.phase).toBe('Failed');
          return read as WorkflowExecution;
        },
        { timeout: resyncMs / 2, interval: 200 },
      );
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'ConfigurationError',
        wasExecutionFailure: false,
        message: `no Tekton controller has written this PipelineRun's status in the 1s since it was created: is Tekton Pipelines installed, and its controller (tekton-pipelines-controller) running and watching namespace ${cluster.executionNamespace}?`,
      });
      const run = failed.status?.executionRef?.name as string;
      await vi.waitFor(async () => {
        const type = { ...resources.pipelineRuns, group: standInGroup };
        expect(await client().get(type, cluster.executionNamespace, run)).toBeNull();
      }, patience);
    });
  },
);

describeWithTekton(
  'WorkflowExecution controller with the tekton engine and a TaskRun quota',
  () => {
    const cluster = useController('wfe-taskrun-quota');
    const { env, client } = cluster;
    let bundles: Bundles;

    beforeAll(async () => {
      await prepareNamespace(client(), cluster.executionNamespace);
      bundles = await pushWorkflows(env);
    });

    it('fails the execution as ResourceExhausted, not run, instead of at its timeout', async () => {
      const namespace = cluster.executionNamespace;
      await env.controlPlane.createEnforcedQuota(namespace, 'no-taskruns', {
        'count/taskruns.tekton.dev': '0',
      });
      await cluster.start({
        registry: (reader) =>
          new Registry().register(new TektonExecutor(client(), { reader, startupGraceMs: 0 })),
        policy: { bundles: [`${env.tekton.registry}/*`] },
        // Tekton's retries write nothing to the PipelineRun: only a resync reads it again.
        resyncMs: 2_000,
      });
      const wfe = await cluster.apply(
        manifest({ engine: 'tekton', bundle: bundles.succeeds, parameters: { REPLICAS: '1' } }),
      );
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      const run = failed.status?.executionRef?.name;
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'ResourceExhausted',
        wasExecutionFailure: false,
        failedTaskName: `${run}-build`,
      });
      expect(failed.status?.failureDetails?.message).toContain(
        `taskruns.tekton.dev "${run}-build" is forbidden: exceeded quota: no-taskruns`,
      );
    });
  },
);
