import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTask,
  createTaskRun,
  podsOwnedBy,
  startController,
  step,
  waitForFailure,
  waitForRun,
} from './harness.js';

/*
 * Runs held without a Pod keep their timeout: a namespace whose quota admits no Pod, and a Task
 * that never comes. Their own namespace, since its quota would hold every other run too.
 */
describeWithControlPlane('TaskRun held without a Pod, on a real control plane', () => {
  const env = useTestNamespace({ prefix: 'taskrun-held' });
  let client: KubeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    await env.controlPlane.createEnforcedQuota(env.namespace, 'no-pods', { pods: '0' });
    ({ stop } = await startController({
      kubeConfig: env.kubeConfig,
      namespace: env.namespace,
      missingTask: 'wait',
    }));
    await createTask(client, env.namespace, 'work', { steps: [step('only')] });
  });

  afterAll(async () => {
    await stop?.();
  });

  it('fails TimedOut a run a full quota keeps from starting, saying so, with no Pod', async () => {
    const run = await createTaskRun(client, env.namespace, 'no-room', {
      taskRef: { name: 'work' },
      timeout: '3s',
    });
    const held = await waitForRun(client, env.namespace, 'no-room', (s) =>
      expect(s.reason).toBe('ResourceExhausted'),
    );
    expect(held).toMatchObject({ phase: 'Pending', startTime: expect.any(String) });
    const failed = await waitForFailure(client, env.namespace, 'no-room');
    expect(failed).toMatchObject({
      reason: 'TimedOut',
      failureReason: 'DeadlineExceeded',
      message: expect.stringMatching(
        /^the run did not start within its timeout of 3s: the API server refused the Pod: .*exceeded quota: no-pods/,
      ),
      startTime: held.startTime,
    });
    expect(failed.podName).toBeUndefined();
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('fails TimedOut a run whose Task never comes, waiting with --missing-task=wait', async () => {
    await createTaskRun(client, env.namespace, 'no-task', {
      taskRef: { name: 'never' },
      timeout: '2s',
    });
    const failed = await waitForFailure(client, env.namespace, 'no-task');
    expect(failed).toMatchObject({
      reason: 'TimedOut',
      message: `the run did not start within its timeout of 2s: Task ${env.namespace}/never does not exist; waiting for it to be created`,
    });
  });
});
