import {
  ConventionsMismatchError,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * A controller restarted under the other `--conventions` meets the Jobs it made before: they
 * are its executions' still, made under the other preset's owner labels, and neither gone nor
 * another execution's.
 */
describeWithControlPlane('job engine restarted under other conventions', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  beforeAll(() => {
    client = new KubeClient(env.kubeConfig);
  });
  afterAll(() => client.close());

  const execution: WorkflowExecution = {
    metadata: { name: 'restarted', namespace: 'team-a', uid: 'uid-restarted' },
    spec: {
      workflowRef: { workflowId: 'restart', version: '1', executionBundle: 'registry.invalid/r:1' },
      targetResource: 'team-a/deployment/conventions',
      executionEngine: 'job',
    },
  };

  it('reads, adopts and cleans up nothing of a roundhouse-made Job under kubernaut conventions, and says why', async () => {
    const before = new JobExecutor(client, { conventions: roundhouseConventions });
    const after = new JobExecutor(client, { conventions: kubernautConventions });
    const { resourceName } = await before.create(execution, env.namespace);
    const wfe = { ...execution, status: { executionRef: { name: resourceName } } };
    const made = await client.get(resources.jobs, env.namespace, resourceName);

    const status = await after.getStatus(wfe, env.namespace).catch((e: unknown) => e);
    expect(status).toBeInstanceOf(ConventionsMismatchError);
    expect(status).toMatchObject({
      reason: 'ConventionsMismatch',
      retryable: false,
      madeUnder: 'roundhouse',
      runningUnder: 'kubernaut',
    });
    await expect(after.getStatus(wfe, env.namespace, { fresh: true })).rejects.toBeInstanceOf(
      ConventionsMismatchError,
    );
    await expect(after.adopt(execution, env.namespace)).rejects.toBeInstanceOf(
      ConventionsMismatchError,
    );
    await expect(after.create(execution, env.namespace)).rejects.toBeInstanceOf(
      ConventionsMismatchError,
    );
    await expect(after.cleanup(wfe, env.namespace)).rejects.toBeInstanceOf(
      ConventionsMismatchError,
    );

    // Nothing deleted, nothing on its way out: the Job is the one made, and still this
    // execution's under the conventions it was made under.
    const left = await client.get(resources.jobs, env.namespace, resourceName);
    expect(left?.metadata?.uid).toBe(made?.metadata?.uid);
    expect(left?.metadata?.deletionTimestamp).toBeUndefined();
    expect(await before.getStatus(wfe, env.namespace, { fresh: true })).not.toBeNull();
    await before.cleanup(wfe, env.namespace);
  });
});
