import { defineConventions } from '@roundhouse/core';
import {
  type ConformanceHarness,
  describeExecutorConformance,
} from '@roundhouse/core/testing/conformance';
import { KubeClient, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { allowedImages, finishPod, patience, withSteps } from '../../packages/pod/test/drive.js';
import { freshExecutions } from '../support/executions.js';
import { describeEachPreset, itLabelsItsResourceWith } from '../support/presets.js';

describeWithControlPlane('pod engine conformance', () => {
  const env = useTestNamespace({ prefix: 'conformance-pod' });

  describeEachPreset((conventions, preset) => {
    const harness = (): ConformanceHarness & { client: KubeClient } => {
      const client = new KubeClient(env.kubeConfig);
      const executions = freshExecutions('pod');
      return {
        client,
        // Pods carry no KWOK control annotation, so they run until the test finishes them and
        // every phase of the contract can be observed.
        executor: new PodExecutor(client, { conventions, allowedImages }),
        namespace: env.namespace,
        settleTimeoutMs: patience.timeout,
        pollIntervalMs: patience.interval,
        makeExecution: (options) => withSteps(executions(options)),
        driveToSuccess: (_wfe, name) => finishPod(client, env.namespace, name, 0),
        driveToFailure: (_wfe, name) => finishPod(client, env.namespace, name, 2),
        createUnderOlderName: async (wfe) => {
          const older = new PodExecutor(client, {
            conventions: defineConventions({ namePrefix: 'older-' }, conventions),
            allowedImages,
          });
          return (await older.create(wfe, env.namespace)).resourceName;
        },
      };
    };

    describeExecutorConformance(`pod (${preset})`, harness);
    itLabelsItsResourceWith(conventions, resources.pods, harness);
  });
});
