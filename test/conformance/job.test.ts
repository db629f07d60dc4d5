import { type Conventions, defineConventions } from '@roundhouse/core';
import {
  type ConformanceHarness,
  describeExecutorConformance,
} from '@roundhouse/core/testing/conformance';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { finishJobPod, patience } from '../../packages/job/test/drive.js';
import { freshExecutions } from '../support/executions.js';
import { describeEachPreset, itLabelsItsResourceWith } from '../support/presets.js';

describeWithControlPlane('job engine conformance', () => {
  const env = useTestNamespace({ prefix: 'conformance-job' });

  describeEachPreset((conventions, preset) => {
    const harness = (): ConformanceHarness & { client: KubeClient } => {
      const client = new KubeClient(env.kubeConfig);
      // Pods run until the test finishes them, so every phase of the contract can be observed.
      const executorUnder = (under: Conventions) =>
        new JobExecutor(client, {
          conventions: under,
          podAnnotations: { [podControls.runSeconds]: '3600' },
        });
      return {
        client,
        executor: executorUnder(conventions),
        namespace: env.namespace,
        settleTimeoutMs: patience.timeout,
        pollIntervalMs: patience.interval,
        makeExecution: freshExecutions('job'),
        driveToSuccess: (_wfe, name) => finishJobPod(client, env.namespace, name, 0),
        driveToFailure: (_wfe, name) => finishJobPod(client, env.namespace, name, 2),
        createUnderOlderName: async (wfe) => {
          const older = executorUnder(defineConventions({ namePrefix: 'older-' }, conventions));
          return (await older.create(wfe, env.namespace)).resourceName;
        },
      };
    };

    describeExecutorConformance(`job (${preset})`, harness);
    itLabelsItsResourceWith(conventions, resources.jobs, harness);
  });
});
