/**
 * Past 350 lines: the TaskRun example's runs on one control plane with its controller started
 * once; a split would start both again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { taskRuns } from '@roundhouse/pod';
import {
  containerOutcomes,
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  podInitializing,
  running,
  terminated,
  writeStepStatuses,
} from '../../../packages/pod/test/drive.js';
import {
  createTask,
  createTaskRun,
  patience,
  podOf,
  podsOwnedBy,
  startController,
  step,
  stepStates,
  type TaskRunObject,
  waitForFailure,
  waitForRun,
} from './harness.js';

type HeldPod = KubeObject & { metadata?: { deletionGracePeriodSeconds?: number } };

const at = (s: number) => `2026-01-02T03:00:0${s}Z`;

describeWithControlPlane('the TaskRun controller on a real control plane', () => {
  const env = useTestNamespace({ prefix: 'taskrun' });
  let client: KubeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    ({ stop } = await startController({ kubeConfig: env.kubeConfig, namespace: env.namespace }));
    await createTask(client, env.namespace, 'pipeline', {
      steps: [step('fetch'), step('build'), step('report')],
    });
  });
  afterAll(async () => stop?.());

  const annotate = (pod: string, annotations: Record<string, string>) =>
    client.patch(
      resources.pods,
      env.namespace,
      pod,
      { metadata: { annotations } },
      { strategy: 'merge' },
    );

  it('runs sequential steps in order and stops at the first failure', async () => {
    const run = await createTaskRun(client, env.namespace, 'seq-fail', {
      taskRef: { name: 'pipeline' },
    });
    const started = await waitForRun(client, env.namespace, 'seq-fail', (s) => {
      expect(s.phase).toBe('Running');
      expect(s.podName).toBeDefined();
    });
    const pod = await podOf(client, env.namespace, started);
    // The kubelet runs init containers one by one, each only after the previous exited 0.
    expect(pod?.spec.initContainers?.map((c) => c.name)).toEqual(['fetch', 'build']);
    expect(pod?.spec.containers.map((c) => c.name)).toEqual(['report']);
    // Each step in its own image; a step that ended is never started again.
    const containers = [...(pod?.spec.initContainers ?? []), ...(pod?.spec.containers ?? [])];
    expect(containers.map((c) => c.image)).toEqual([
      'registry.invalid/fetch:1',
      'registry.invalid/build:1',
      'registry.invalid/report:1',
    ]);
    expect(pod?.spec.restartPolicy).toBe('Never');
    // A Task's scripts hold no token of the namespace's default ServiceAccount.
    expect(pod?.spec.automountServiceAccountToken).toBe(false);
    expect(pod?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'TaskRun', uid: run.metadata?.uid, controller: true }),
    ]);
    expect((await podsOwnedBy(client, env.namespace, run)).map((p) => p.metadata?.name)).toEqual([
      started.podName,
    ]);

    // KWOK does not run init containers: play the kubelet for them.
    const podName = started.podName as string;
    await writeStepStatuses(client, env.namespace, podName, {
      initContainerStatuses: { fetch: terminated(0, at(1), at(2)), build: running(at(2)) },
      containerStatuses: { report: podInitializing },
    });
    await waitForRun(client, env.namespace, 'seq-fail', (s) => {
      expect(s.reason).toBe('StepRunning');
      expect(stepStates(s)).toEqual([
        ['fetch', 'Succeeded', 0],
        ['build', 'Running', undefined],
        ['report', 'Waiting', undefined],
      ]);
    });
    await writeStepStatuses(client, env.namespace, podName, {
      phase: 'Failed',
      initContainerStatuses: {
        fetch: terminated(0, at(1), at(2)),
        build: terminated(3, at(2), at(4)),
      },
      containerStatuses: { report: podInitializing },
    });
    const failed = await waitForFailure(client, env.namespace, 'seq-fail');
    expect(failed).toMatchObject({
      reason: 'StepFailed',
      message: 'step build exited with code 3 (Error)',
      failureReason: 'TaskFailed',
      completionTime: expect.any(String),
    });
    expect(failed.stepStatuses).toEqual([
      expect.objectContaining({
        name: 'fetch',
        state: 'Succeeded',
        startedAt: at(1),
        finishedAt: at(2),
      }),
      expect.objectContaining({ name: 'build', state: 'Failed', exitCode: 3, finishedAt: at(4) }),
      { name: 'report', state: 'Skipped', reason: 'PodInitializing' },
    ]);
  });

  it('runs parallel steps at once and fails with the step that failed', async () => {
    await createTask(client, env.namespace, 'checks', {
      parallel: true,
      steps: [step('lint'), step('test')],
    });
    await createTaskRun(client, env.namespace, 'par', { taskRef: { name: 'checks' } });
    const started = await waitForRun(client, env.namespace, 'par', (s) =>
      expect(s.podName).toBeDefined(),
    );
    const pod = await podOf(client, env.namespace, started);
    expect(pod?.spec.initContainers).toBeUndefined();
    expect(pod?.spec.containers.map((c) => c.name)).toEqual(['lint', 'test']);
    await annotate(
      started.podName as string,
      containerOutcomes({ lint: { exitCode: 0 }, test: { exitCode: 4 } }),
    );
    const failed = await waitForFailure(client, env.namespace, 'par');
    expect(failed.reason).toBe('StepFailed');
    expect(stepStates(failed)).toEqual([
      ['lint', 'Succeeded', 0],
      ['test', 'Failed', 4],
    ]);
  });

  it('substitutes params into scripts, with defaults, and succeeds', async () => {
    await createTask(client, env.namespace, 'deploy', {
      params: [{ name: 'target' }, { name: 'mode', default: 'fast' }],
      steps: [
        step('plan', 'plan $(params.target)'),
        step('apply', 'apply --mode=$(params.mode) $(params.target)'),
      ],
    });
    await createTaskRun(client, env.namespace, 'params', {
      taskRef: { name: 'deploy' },
      params: [{ name: 'target', value: 'prod' }],
    });
    const started = await waitForRun(client, env.namespace, 'params', (s) =>
      expect(s.podName).toBeDefined(),
    );
    const pod = await podOf(client, env.namespace, started);
    expect(pod?.spec.initContainers?.[0]?.command).toEqual(['/bin/sh', '-e', '-c', 'plan prod']);
    expect(pod?.spec.containers[0]?.command.at(-1)).toBe('apply --mode=fast prod');
    await annotate(started.podName as string, { [podControls.exitCode]: '0' });
    const done = await waitForRun(client, env.namespace, 'params', (s) =>
      expect(s.phase).toBe('Succeeded'),
    );
    expect(done).toMatchObject({ reason: 'Succeeded', completionTime: expect.any(String) });
    expect(stepStates(done)).toEqual([
      ['plan', 'Succeeded', undefined],
      ['apply', 'Succeeded', 0],
    ]);
  });

  it('keeps the start time it first wrote, and never changes a finished run again', async () => {
    const run = await createTaskRun(client, env.namespace, 'settled', {
      taskRef: { name: 'pipeline' },
    });
    const started = await waitForRun(client, env.namespace, 'settled', (s) => {
      expect(s.phase).toBe('Running');
      expect(s.startTime).toBeDefined();
    });
    await annotate(started.podName as string, { [podControls.exitCode]: '0' });
    const done = await waitForRun(client, env.namespace, 'settled', (s) =>
      expect(s.phase).toBe('Succeeded'),
    );
    expect(done).toMatchObject({ podName: started.podName, startTime: started.startTime });

    // Its Pod deleted afterwards (a Pod event) and the run itself touched (a run event): each
    // reconciles it, and neither changes its status nor brings a Pod back.
    await client.delete(resources.pods, env.namespace, started.podName as string);
    await vi.waitFor(
      async () => expect(await podOf(client, env.namespace, started)).toBeNull(),
      patience,
    );
    const touch = { metadata: { labels: { touched: 'yes' } } };
    await client.patch(taskRuns, env.namespace, 'settled', touch, { strategy: 'merge' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await client.get<TaskRunObject>(taskRuns, env.namespace, 'settled');
    expect(after?.status).toEqual(done);
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('fails a run whose params do not fit the Task with InvalidParams, naming each', async () => {
    const run = await createTaskRun(client, env.namespace, 'bad-params', {
      taskRef: { name: 'deploy' },
      params: [{ name: 'colour', value: 'blue' }],
    });
    const failed = await waitForFailure(client, env.namespace, 'bad-params');
    expect(failed.reason).toBe('InvalidParams');
    expect(failed.message).toContain('param "colour" is not declared by the Task');
    expect(failed.message).toContain('param "target" has no default');
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('fails a run with InvalidParams even when naming each problem would not fit its status', async () => {
    // 20,000 references to an undeclared param: one issue each, 1.8 MB of message in all.
    await createTask(client, env.namespace, 'many-refs', {
      steps: [step('say', 'echo $(params.who) '.repeat(20_000))],
    });
    const run = await createTaskRun(client, env.namespace, 'many-refs', {
      taskRef: { name: 'many-refs' },
    });
    const failed = await waitForFailure(client, env.namespace, 'many-refs');
    expect(failed.reason).toBe('InvalidParams');
    expect(failed.message).toMatch(/^task\.spec\.steps\.0\.script: step say refers to param "who"/);
    expect(failed.message?.length).toBeLessThanOrEqual(1024);
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('fails a run whose Task does not exist with TaskNotFound, creating no Pod', async () => {
    const run = await createTaskRun(client, env.namespace, 'orphan', {
      taskRef: { name: 'no-such-task' },
    });
    const failed = await waitForFailure(client, env.namespace, 'orphan');
    expect(failed).toMatchObject({
      reason: 'TaskNotFound',
      message: `Task ${env.namespace}/no-such-task does not exist`,
    });
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('fails a run past its timeout with TimedOut and deletes its Pod', async () => {
    await createTaskRun(client, env.namespace, 'slow', {
      taskRef: { name: 'pipeline' },
      timeout: '2s',
    });
    const started = await waitForRun(client, env.namespace, 'slow', (s) =>
      expect(s.podName).toBeDefined(),
    );
    expect((await podOf(client, env.namespace, started))?.spec.activeDeadlineSeconds).toBe(2);
    const failed = await waitForFailure(client, env.namespace, 'slow');
    expect(failed).toMatchObject({ reason: 'TimedOut', failureReason: 'DeadlineExceeded' });
    await vi.waitFor(
      async () => expect(await podOf(client, env.namespace, started)).toBeNull(),
      patience,
    );
  });

  it('refuses a timeout no Pod can carry, naming the TaskRun field and creating no Pod', async () => {
    const run = await createTaskRun(client, env.namespace, 'forever', {
      taskRef: { name: 'pipeline' },
      timeout: '600000h',
    });
    const failed = await waitForFailure(client, env.namespace, 'forever');
    expect(failed.reason).toBe('InvalidSpec');
    expect(failed.message).toContain('spec.timeout');
    expect(failed.message).not.toContain('executionConfig');
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it("gives a run without a timeout the operator's default, so no run holds a Pod for ever", async () => {
    await createTaskRun(client, env.namespace, 'no-timeout', { taskRef: { name: 'pipeline' } });
    const started = await waitForRun(client, env.namespace, 'no-timeout', (s) =>
      expect(s.podName).toBeDefined(),
    );
    expect((await podOf(client, env.namespace, started))?.spec.activeDeadlineSeconds).toBe(3600);
  });

  it('refuses a timeout past --max-timeout, naming the field and the flag, creating no Pod', async () => {
    const run = await createTaskRun(client, env.namespace, 'too-long', {
      taskRef: { name: 'pipeline' },
      timeout: '8760h',
    });
    const failed = await waitForFailure(client, env.namespace, 'too-long');
    expect(failed.reason).toBe('InvalidSpec');
    expect(failed.message).toMatch(/^spec\.timeout: must be at most 24h, .*--max-timeout/);
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('refuses a Task name no object can have, naming the field, before looking it up', async () => {
    // "." would make the lookup's path the namespace's list of Tasks.
    const run = await createTaskRun(client, env.namespace, 'dot-ref', { taskRef: { name: '.' } });
    const failed = await waitForFailure(client, env.namespace, 'dot-ref');
    expect(failed.reason).toBe('InvalidSpec');
    expect(failed.message).toMatch(/^spec\.taskRef\.name: /);
    expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
  });

  it('fails a run whose step cannot start once the startup grace is over, with no Pod change to wake it', async () => {
    await createTaskRun(client, env.namespace, 'stuck', { taskRef: { name: 'pipeline' } });
    const started = await waitForRun(client, env.namespace, 'stuck', (s) =>
      expect(s.podName).toBeDefined(),
    );
    // The kubelet reports a container it cannot create once, then retries without a word.
    const cannotCreate = {
      waiting: {
        reason: 'CreateContainerConfigError',
        message: 'container has runAsNonRoot and image will run as root',
      },
    };
    await writeStepStatuses(client, env.namespace, started.podName as string, {
      phase: 'Pending',
      initContainerStatuses: { fetch: cannotCreate, build: podInitializing },
      containerStatuses: { report: podInitializing },
    });
    const failed = await waitForFailure(client, env.namespace, 'stuck');
    expect(failed).toMatchObject({
      reason: 'StartFailed',
      failureReason: 'ConfigurationError',
      message: expect.stringContaining('step fetch cannot start: CreateContainerConfigError'),
    });
    // The kubelet would go on trying, and start the steps of a failed run once it could.
    await vi.waitFor(
      async () => expect(await podOf(client, env.namespace, failed)).toBeNull(),
      patience,
    );
  });

  it("fails a run whose later step cannot pull its image once that step's grace is over, counted from the step before it", async () => {
    await createTaskRun(client, env.namespace, 'stuck-later', { taskRef: { name: 'pipeline' } });
    const started = await waitForRun(client, env.namespace, 'stuck-later', (s) =>
      expect(s.podName).toBeDefined(),
    );
    const pod = await podOf(client, env.namespace, started);
    // fetch ends seconds after the Pod's creation, so build's grace ends after the Pod's would:
    // looked at again at the Pod's, the run has not failed yet, and no Pod event follows.
    const created = Date.parse(pod?.metadata?.creationTimestamp ?? '');
    await sleep(Math.max(0, created + 5_000 - Date.now()));
    // Whole seconds, as the API server keeps a container's finishedAt.
    const fetchEnded = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await writeStepStatuses(client, env.namespace, started.podName as string, {
      phase: 'Pending',
      initContainerStatuses: {
        fetch: terminated(0, new Date(created).toISOString(), fetchEnded),
        build: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "registry.invalid/build:1"',
          },
        },
      },
      containerStatuses: { report: podInitializing },
    });
    const failed = await waitForFailure(client, env.namespace, 'stuck-later');
    expect(failed).toMatchObject({
      reason: 'StartFailed',
      message: expect.stringContaining('step build cannot start: ImagePullBackOff'),
      // fetch ran and acted: the run failed, it did not fail to start.
      failureReason: 'TaskFailed',
    });
    // Not before build had waited its 15 s grace.
    expect(Date.parse(failed.completionTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(fetchEnded) + 15_000,
    );
  });

  it('fails a run whose Pod is deleted by someone else with PodDeleted', async () => {
    await createTaskRun(client, env.namespace, 'lost', { taskRef: { name: 'pipeline' } });
    const started = await waitForRun(client, env.namespace, 'lost', (s) =>
      expect(s.podName).toBeDefined(),
    );
    await client.delete(resources.pods, env.namespace, started.podName as string);
    const failed = await waitForFailure(client, env.namespace, 'lost');
    expect(failed.reason).toBe('PodDeleted');
  });

  it('deletes the Pod with its TaskRun (garbage collection by ownerReference)', async () => {
    await createTaskRun(client, env.namespace, 'doomed', { taskRef: { name: 'pipeline' } });
    const started = await waitForRun(client, env.namespace, 'doomed', (s) =>
      expect(s.podName).toBeDefined(),
    );
    await client.delete(taskRuns, env.namespace, 'doomed');
    await vi.waitFor(
      async () => expect(await podOf(client, env.namespace, started)).toBeNull(),
      patience,
    );
  });

  it('runs a TaskRun created again under the same name on a Pod of its own', async () => {
    await createTaskRun(client, env.namespace, 'again', { taskRef: { name: 'pipeline' } });
    const first = await waitForRun(client, env.namespace, 'again', (s) =>
      expect(s.podName).toBeDefined(),
    );
    const podName = first.podName as string;
    const firstPod = await podOf(client, env.namespace, first);
    // The test's own finalizer keeps the predecessor's Pod until KWOK has deleted it. KWOK
    // deletes a terminating pod by name, without the uid precondition a kubelet sends, and may
    // do so twice; a late second delete would otherwise hit the new run's Pod of the same name.
    const hold = { metadata: { finalizers: ['roundhouse.dev/test-hold'] } };
    await client.patch(resources.pods, env.namespace, podName, hold, { strategy: 'merge' });
    await client.delete(taskRuns, env.namespace, 'again');
    const second = await createTaskRun(client, env.namespace, 'again', {
      taskRef: { name: 'pipeline' },
    });
    // While its predecessor's Pod holds the name, the new run waits instead of adopting it.
    await waitForRun(client, env.namespace, 'again', (s) => {
      expect(s.phase).toBe('Pending');
      expect(['ResourceLocked', 'PreviousExecutionNotCleaned']).toContain(s.reason);
      expect(s.message).toBe(
        `pod ${podName} of an earlier TaskRun ${env.namespace}/again, since deleted, is still there; this run creates its own once the garbage collector has removed it`,
      );
      expect(s.podName).toBeUndefined();
    });
    await vi.waitFor(async () => {
      const held = await client.get<HeldPod>(resources.pods, env.namespace, podName);
      expect(held?.metadata?.deletionGracePeriodSeconds).toBe(0);
    }, patience);
    const release = { metadata: { finalizers: null } };
    await client.patch(resources.pods, env.namespace, podName, release, { strategy: 'merge' });
    const running = await waitForRun(client, env.namespace, 'again', (s) =>
      expect(s.phase).toBe('Running'),
    );
    expect(running.podName).toBe(podName);
    const pods = await podsOwnedBy(client, env.namespace, second);
    expect(pods.map((p) => p.metadata?.name)).toEqual([podName]);
    expect(pods[0]?.metadata?.uid).not.toBe(firstPod?.metadata?.uid);
  });
});
