import { defineConventions } from '@roundhouse/core';
import {
  type ConformanceHarness,
  describeExecutorConformance,
} from '@roundhouse/core/testing/conformance';
import { KubeClient, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll } from 'vitest';
import { makeExecution } from '../../packages/tekton/test/drive.js';
import { describeEachPreset, itLabelsItsResourceWith } from '../support/presets.js';
import { type TektonDriver, tektonDriver } from '../support/tekton.js';

describeWithControlPlane('tekton engine conformance', () => {
  const env = useTestNamespace({ prefix: 'conformance-tekton' });
  let client: KubeClient;
  let tekton: TektonDriver;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    tekton = await tektonDriver(env);
    await tekton.prepare(client, env.namespace);
  });

  describeEachPreset((conventions, preset) => {
    const harness = (): ConformanceHarness & { client: KubeClient } => ({
      client,
      executor: new TektonExecutor(client, { conventions }),
      namespace: env.namespace,
      makeExecution: (options) =>
        makeExecution({
          ...options,
          spec: {
            workflowRef: {
              workflowId: 'restart-pod',
              version: '1',
              executionBundle: tekton.executionBundle,
            },
          },
        }),
      driveToSuccess: (_wfe, name) => tekton.succeed(client, env.namespace, name),
      driveToFailure: (_wfe, name) => tekton.fail(client, env.namespace, name),
      createUnderOlderName: async (wfe) => {
        const older = new TektonExecutor(client, {
          conventions: defineConventions({ namePrefix: 'older-' }, conventions),
        });
        return (await older.create(wfe, env.namespace)).resourceName;
      },
    });

    describeExecutorConformance(`tekton (${preset})`, harness);
    itLabelsItsResourceWith(conventions, resources.pipelineRuns, harness);
  });
});
