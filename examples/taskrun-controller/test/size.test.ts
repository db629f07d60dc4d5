import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { taskRuns } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { writeStepStatuses } from '../../../packages/pod/test/drive.js';
import { maxParams, maxParamValueChars } from '../src/run-size.js';
import {
  createTask,
  createTaskRun,
  patience,
  podsOwnedBy,
  startController,
  step,
  waitForFailure,
  waitForRun,
} from './harness.js';

const paramName = (i: number) => `p${String(i).padStart(62, '_')}`;

/** Every param the CRD allows, their values `maxParamValueChars + extra` characters together. */
function params(extra = 0) {
  const each = Math.floor(maxParamValueChars / maxParams);
  return Array.from({ length: maxParams }, (_, i) => ({
    name: paramName(i),
    // `<` is what the API server stores in six bytes: the largest value of its length.
    value: '<'.repeat(each + (i === 0 ? extra : 0)),
  }));
}

describeWithControlPlane('the TaskRun controller with the largest run its CRD admits', () => {
  const env = useTestNamespace({ prefix: 'taskrun-size' });
  let client: KubeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    ({ stop } = await startController({ kubeConfig: env.kubeConfig, namespace: env.namespace }));
    await createTask(client, env.namespace, 'wide', {
      params: Array.from({ length: maxParams }, (_, i) => ({ name: paramName(i) })),
      steps: [step('build', `echo "$(params.${paramName(0)})"`)],
    });
  });
  afterAll(async () => stop?.());

  it('refuses params past the bounds at create, before anything runs', async () => {
    const refusals = await Promise.all([
      createTaskRun(client, env.namespace, 'too-long', {
        taskRef: { name: 'wide' },
        params: params(1),
      }).catch((error: unknown) => error),
      createTaskRun(client, env.namespace, 'too-many', {
        taskRef: { name: 'wide' },
        params: [...params(), { name: 'extra', value: '' }],
      }).catch((error: unknown) => error),
    ]);
    expect(refusals).toEqual([
      expect.objectContaining({ reason: 'Invalid' }),
      expect.objectContaining({ reason: 'Invalid' }),
    ]);
    expect(String((refusals[0] as Error).message)).toMatch(
      /hold at most 196608 characters together/,
    );
  });

  it('fails a run whose status outgrows the object with StatusTooLarge and deletes its Pod', async () => {
    const run = await createTaskRun(client, env.namespace, 'largest', {
      taskRef: { name: 'wide' },
      params: params(),
    });
    const started = await waitForRun(client, env.namespace, 'largest', (s) => {
      expect(s.phase).toBe('Running');
      expect(s.podName).toBeDefined();
    });
    // The step fails printing 400 kB to its termination log, which the kubelet would cut to
    // 4 KiB but the API server takes as it is: the run's status then carries it twice.
    const output = 'E'.repeat(400_000);
    await writeStepStatuses(client, env.namespace, started.podName as string, {
      phase: 'Failed',
      initContainerStatuses: {},
      containerStatuses: {
        build: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            message: output,
            startedAt: '2026-01-02T03:00:01Z',
            finishedAt: '2026-01-02T03:00:02Z',
          },
        },
      },
    });
    const failed = await waitForFailure(client, env.namespace, 'largest');
    expect(failed).toEqual({
      phase: 'Failed',
      reason: 'StatusTooLarge',
      message: expect.stringMatching(
        /^the run's status would make it \d+ bytes, more than the 1572864 the API server can store: /,
      ),
      podName: started.podName,
      startTime: started.startTime,
      completionTime: expect.any(String),
    });
    await vi.waitFor(async () => {
      const pods = await podsOwnedBy(client, env.namespace, run);
      expect(pods.filter((pod) => !pod.metadata?.deletionTimestamp)).toEqual([]);
    }, patience);
    // And it stays so: nothing retries a write the API server refuses.
    const stored = await client.get<KubeObject>(taskRuns, env.namespace, 'largest');
    expect(stored?.status).toEqual(failed);
  });
});
