import { ConfigurationError, type WorkflowExecution } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';

/** 256 parameters of 20-character names, each value `bytes` long. */
function execution(bytes: number): WorkflowExecution {
  const parameters = Object.fromEntries(
    Array.from({ length: 256 }, (_, i) => [`P${String(i).padStart(19, '0')}`, 'x'.repeat(bytes)]),
  );
  return {
    metadata: { name: 'large', namespace: 'team-a', uid: 'uid-large' },
    spec: {
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'registry.invalid/restart:1',
      },
      targetResource: 'team-a/deployment/large',
      executionEngine: 'job',
      parameters,
    },
  };
}

describeWithControlPlane('the size of the Job the job engine sends', () => {
  const env = useTestNamespace();

  it('refuses, before sending it, a Job whose JSON fits but which the API server would not store with its managedFields', async () => {
    const client = new KubeClient(env.kubeConfig);
    const executor = new JobExecutor(client);
    // A Job of 1.56 MB of JSON: under etcd's 1.5 MiB, but not with the ~18 KB of managedFields
    // the API server adds. It refuses that with a 422 about the template's controller-uid label
    // (its retry without managedFields re-labels a template its first attempt labelled), which
    // says nothing of the size.
    const refusal = await executor.create(execution(6_050), env.namespace).catch((e) => e);
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect(refusal.message).toMatch(
      /^spec\.parameters: make a Job of \d+ bytes as stored \(its managedFields and status included\), more than the 1572864 the API server can store/,
    );
    expect((await client.list(resources.jobs, env.namespace)).items).toEqual([]);
    // Comfortably under the limit, the same execution's Job is created.
    const { resourceName } = await executor.create(execution(5_000), env.namespace);
    expect(await client.get(resources.jobs, env.namespace, resourceName)).not.toBeNull();
  });
});
