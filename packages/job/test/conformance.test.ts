import type { WorkflowExecution } from '@roundhouse/core';
import { describeExecutorConformance } from '@roundhouse/core/testing';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient } from '@roundhouse/kube';
import { controlPlaneAvailable, podControls, useTestNamespace } from '@roundhouse/testenv/vitest';
import { describe } from 'vitest';
import { finishJobPod } from './drive.js';

describe.skipIf(!controlPlaneAvailable())('JobExecutor conformance', () => {
  const env = useTestNamespace();
  let sequence = 0;

  describeExecutorConformance('JobExecutor', () => {
    const client = new KubeClient(env.kubeConfig);
    // Pods run until the test finishes them, so every phase of the contract can be observed.
    const executor = new JobExecutor(client, {
      podAnnotations: { [podControls.runSeconds]: '3600' },
    });
    return {
      executor,
      namespace: env.namespace,
      settleTimeoutMs: 90_000,
      pollIntervalMs: 250,
      makeExecution(options = {}): WorkflowExecution {
        sequence += 1;
        return {
          metadata: { name: options.name ?? `conformance-${sequence}`, namespace: 'team-a' },
          spec: {
            workflowRef: { workflowId: 'w', version: '1', executionBundle: 'registry.invalid/w:1' },
            targetResource: options.targetResource ?? `team-a/deployment/conformance-${sequence}`,
            executionEngine: 'job',
          },
        };
      },
      driveToSuccess: (_wfe, name) => finishJobPod(client, env.namespace, name, 0),
      driveToFailure: (_wfe, name) => finishJobPod(client, env.namespace, name, 2),
    };
  });
});
