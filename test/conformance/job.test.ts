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
      return {
        client,
        // Pods run until the test finishes them, so every phase of the contract can be observed.
        executor: new JobExecutor(client, {
          conventions,
          podAnnotations: { [podControls.runSeconds]: '3600' },
        }),
        namespace: env.namespace,
        settleTimeoutMs: patience.timeout,
        pollIntervalMs: patience.interval,
        makeExecution: freshExecutions('job'),
        driveToSuccess: (_wfe, name) => finishJobPod(client, env.namespace, name, 0),
        driveToFailure: (_wfe, name) => finishJobPod(client, env.namespace, name, 2),
      };
    };

    describeExecutorConformance(`job (${preset})`, harness);
    itLabelsItsResourceWith(conventions, resources.jobs, harness);
  });
});
