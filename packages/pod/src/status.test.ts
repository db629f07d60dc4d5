/**
 * Past 350 lines: the cases of one mapping, pod state to execution state, each a pod written
 * out in full; grouped by phase they would share nothing a split would save.
 */
import { describe, expect, it } from 'vitest';
import { isPodFinished, podExecutionState } from './status.js';
import { type PodState, PodStateSchema } from './steps.js';

const created = '2026-01-02T03:00:00Z';
const clock = { now: new Date('2026-01-02T03:00:05Z'), startupGraceMs: 15_000 };
const later = { ...clock, now: new Date('2026-01-02T03:01:00Z') };

const terminated = (exitCode: number, startedAt: string, finishedAt: string, reason?: string) => ({
  state: {
    terminated: {
      exitCode,
      reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      startedAt,
      finishedAt,
    },
  },
});
const running = (startedAt: string) => ({ state: { running: { startedAt } } });
const waiting = (reason: string, message?: string) => ({
  state: { waiting: { reason, ...(message ? { message } : {}) } },
});

/** A Pod of three sequential steps (fetch, build: init containers; report: main). */
function sequential(
  phase: string,
  init: Record<string, object>,
  main: Record<string, object>,
  extra: Record<string, unknown> = {},
): PodState {
  return PodStateSchema.parse({
    metadata: { name: 'wfe-1', creationTimestamp: created },
    spec: {
      initContainers: [{ name: 'fetch' }, { name: 'build' }],
      containers: [{ name: 'report' }],
    },
    status: {
      phase,
      ...extra,
      initContainerStatuses: Object.entries(init).map(([name, s]) => ({ name, ...s })),
      containerStatuses: Object.entries(main).map(([name, s]) => ({ name, ...s })),
    },
  });
}

function parallel(phase: string, main: Record<string, object>): PodState {
  return PodStateSchema.parse({
    metadata: { name: 'wfe-2', creationTimestamp: created },
    spec: { containers: [{ name: 'lint' }, { name: 'test' }] },
    status: { phase, containerStatuses: Object.entries(main).map(([name, s]) => ({ name, ...s })) },
  });
}

const t = (s: number) => `2026-01-02T03:00:${String(s).padStart(2, '0')}Z`;

/** A Pod the kubelet ended with `reason` while `build` ran: fetch done, build killed (137). */
const endedDuringBuild = (reason: string, message: string) =>
  sequential(
    'Failed',
    { fetch: terminated(0, t(1), t(2)), build: terminated(137, t(2), t(9)) },
    {},
    { reason, message },
  );

/** A step the runtime could not start, as containerd reports it: exit code 128, the epoch as start. */
const couldNotStart = (message: string) => ({
  state: {
    terminated: {
      exitCode: 128,
      reason: 'StartError',
      message,
      startedAt: '1970-01-01T00:00:00Z',
      finishedAt: t(3),
    },
  },
});

describe('podExecutionState', () => {
  it('is Pending until a step starts', () => {
    const pod = sequential('Pending', {}, {});
    const { result, steps } = podExecutionState(pod, clock);
    expect(result).toMatchObject({
      phase: 'Pending',
      reason: 'PodPending',
      summary: { status: 'Unknown', completedTasks: 0, totalTasks: 3 },
    });
    expect(steps.map((s) => s.state)).toEqual(['Waiting', 'Waiting', 'Waiting']);
  });

  it("says what a Pod no step of which has started waits for: the scheduler, else a step's cause", () => {
    const unschedulable = sequential(
      'Pending',
      {},
      {},
      {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message:
              "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
          },
        ],
      },
    );
    expect(podExecutionState(unschedulable, clock).result).toMatchObject({
      phase: 'Pending',
      reason: 'PodPending',
      message:
        "waiting for a node: Unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    });
    const pulling = sequential(
      'Pending',
      {
        fetch: waiting('ErrImagePull', 'failed to pull "registry.invalid/git:2": 503'),
        build: waiting('PodInitializing'),
      },
      { report: waiting('PodInitializing') },
      { conditions: [{ type: 'PodScheduled', status: 'True' }] },
    );
    expect(podExecutionState(pulling, clock).result).toMatchObject({
      phase: 'Pending',
      message: 'step fetch waiting: ErrImagePull: failed to pull "registry.invalid/git:2": 503',
    });
  });

  it('reports the running step with each step’s times, in step order', () => {
    const pod = sequential(
      'Pending',
      { fetch: terminated(0, t(1), t(2)), build: running(t(2)) },
      { report: waiting('PodInitializing') },
    );
    const { result, steps } = podExecutionState(pod, clock);
    expect(result).toMatchObject({
      phase: 'Running',
      reason: 'StepRunning',
      message: 'running step build (2/3)',
      summary: { completedTasks: 1, totalTasks: 3 },
    });
    expect(steps).toEqual([
      {
        name: 'fetch',
        state: 'Succeeded',
        exitCode: 0,
        reason: 'Completed',
        startedAt: t(1),
        finishedAt: t(2),
      },
      { name: 'build', state: 'Running', startedAt: t(2) },
      { name: 'report', state: 'Waiting', reason: 'PodInitializing' },
    ]);
  });

  it('stays Running between two steps (the phase never moves back)', () => {
    const pod = sequential(
      'Pending',
      { fetch: terminated(0, t(1), t(2)), build: waiting('PodInitializing') },
      { report: waiting('PodInitializing') },
    );
    expect(podExecutionState(pod, clock).result).toMatchObject({
      phase: 'Running',
      reason: 'Running',
    });
  });

  it('fails with the first failed step and its exit code; later steps are Skipped', () => {
    const pod = sequential(
      'Failed',
      { fetch: terminated(0, t(1), t(2)), build: terminated(3, t(2), t(4)) },
      { report: waiting('PodInitializing') },
    );
    const { result, steps } = podExecutionState(pod, clock);
    expect(result).toEqual({
      phase: 'Failed',
      reason: 'StepFailed',
      message: 'step build exited with code 3 (Error)',
      summary: {
        status: 'False',
        reason: 'StepFailed',
        message: 'step build exited with code 3 (Error)',
        completedTasks: 1,
        totalTasks: 3,
      },
      failureReason: 'TaskFailed',
      failedTaskName: 'build',
      exitCode: 3,
      started: true,
      completionTime: t(4),
    });
    expect(steps.map((s) => s.state)).toEqual(['Succeeded', 'Failed', 'Skipped']);
    expect(steps[2]).toEqual({ name: 'report', state: 'Skipped', reason: 'PodInitializing' });
  });

  it('classifies an OOM kill and a pod deadline', () => {
    const oom = sequential('Failed', { fetch: terminated(137, t(1), t(2), 'OOMKilled') }, {});
    expect(podExecutionState(oom, clock).result).toMatchObject({
      failureReason: 'OOMKilled',
      failedTaskName: 'fetch',
      exitCode: 137,
    });
    const deadline = endedDuringBuild(
      'DeadlineExceeded',
      'Pod was active on the node longer than allowed',
    );
    expect(podExecutionState(deadline, clock).result).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than allowed',
      failureReason: 'DeadlineExceeded',
      failedTaskName: 'build',
    });
  });

  it('counts init steps as succeeded when the runtime reports only the main container', () => {
    // KWOK writes statuses for spec.containers only; the main container running means every
    // init container exited 0.
    const pod = sequential('Succeeded', {}, { report: terminated(0, t(1), t(3)) });
    const { result, steps } = podExecutionState(pod, clock);
    expect(result).toMatchObject({
      phase: 'Completed',
      reason: 'Succeeded',
      message: 'all 3 step(s) succeeded',
      summary: { status: 'True', completedTasks: 3, totalTasks: 3 },
    });
    expect(steps.map((s) => s.state)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  });

  it('fails a parallel pod with the first failed step in step order', () => {
    const pod = parallel('Failed', {
      lint: terminated(0, t(1), t(2)),
      test: terminated(2, t(1), t(3)),
    });
    expect(podExecutionState(pod, clock).result).toMatchObject({
      reason: 'StepFailed',
      failedTaskName: 'test',
      exitCode: 2,
    });
    const both = parallel('Running', { lint: running(t(1)), test: running(t(1)) });
    expect(podExecutionState(both, clock).result.message).toBe(
      'running step lint (1/2), test (2/2)',
    );
  });

  it('fails a step that cannot start once the grace has passed', () => {
    const pull = sequential('Pending', { fetch: waiting('ImagePullBackOff', 'back-off') }, {});
    expect(podExecutionState(pull, clock).result.phase).toBe('Pending');
    expect(podExecutionState(pull, later).result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message: 'step fetch cannot start: ImagePullBackOff: back-off',
      failureReason: 'ImagePullBackOff',
      failedTaskName: 'fetch',
    });
    const secret = parallel('Pending', { lint: waiting('CreateContainerConfigError') });
    expect(podExecutionState(secret, later).result.failureReason).toBe('ConfigurationError');
    const firstPull = parallel('Pending', { lint: waiting('ErrImagePull') });
    expect(podExecutionState(firstPull, later).result.phase).toBe('Pending');
  });

  it('reads a running step whose container the runtime no longer lists as lost, not unstarted', () => {
    // The kubelet keeps such a step waiting and puts the loss in lastState
    // (convertToAPIContainerStatuses, pkg/kubelet/kubelet_pods.go); the Pod fails.
    const vanished = {
      state: { waiting: { reason: 'PodInitializing' } },
      lastState: {
        terminated: {
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message:
            'The container could not be located when the pod was deleted.  The container used to be Running',
        },
      },
    };
    const pod = sequential('Failed', { fetch: vanished, build: waiting('PodInitializing') }, {});
    const { result } = podExecutionState(pod, later);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'ContainerStatusUnknown',
      failureReason: 'Unknown',
      failedTaskName: 'fetch',
    });
    expect(result.started).not.toBe(false);
  });

  it("waits out a node's passing trouble creating a step, to the execution's deadline", () => {
    for (const [reason, message] of [
      ['CreateContainerError', 'context deadline exceeded'],
      ['CreateContainerError', 'failed to reserve container name "lint_wfe-2": name is reserved'],
      ['CreateContainerConfigError', 'failed to sync configmap cache: timed out waiting'],
      ['CreateContainerConfigError', 'failed to sync secret cache: timed out waiting'],
    ] as const) {
      const slow = parallel('Pending', { lint: waiting(reason, message) });
      expect(podExecutionState(slow, later).result.phase).toBe('Pending');
      expect(podExecutionState(slow, clock).startupGraceEndsAt).toBeUndefined();
    }
    const missing = parallel('Pending', {
      lint: waiting('CreateContainerConfigError', 'secret "db" not found'),
    });
    expect(podExecutionState(missing, later).result.failureReason).toBe('ConfigurationError');
  });

  it('keeps a run Running while a step runs, whatever another cannot start', () => {
    // A parallel Pod: lint runs while test's image cannot be pulled, past its grace.
    const stuck = waiting('ImagePullBackOff', 'Back-off pulling image "test:1"');
    const meanwhile = parallel('Running', { lint: running(t(1)), test: stuck });
    expect(podExecutionState(meanwhile, later).result).toMatchObject({
      phase: 'Running',
      reason: 'StepRunning',
      message:
        'running step lint (1/2); step test cannot start: ImagePullBackOff: Back-off pulling image "test:1"',
    });
    // Once nothing runs, the step that cannot start ends the run.
    const after = parallel('Running', { lint: terminated(0, t(1), t(9)), test: stuck });
    expect(podExecutionState(after, later).result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failedTaskName: 'test',
    });
    // A step that exited non-zero meanwhile is the failure, with its own exit code: the kubelet
    // keeps the Pod running while the other step waits.
    const lintFailed = parallel('Running', { lint: terminated(2, t(1), t(9)), test: stuck });
    expect(podExecutionState(lintFailed, later).result).toMatchObject({
      phase: 'Failed',
      reason: 'StepFailed',
      failureReason: 'TaskFailed',
      failedTaskName: 'lint',
      exitCode: 2,
    });
  });

  it("reads cri-dockerd's ContainerCannotRun as a step that could not start, not one that failed", () => {
    // Docker's report for an image without /bin/sh, with its own exit code.
    const message =
      'OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown';
    const pod = sequential(
      'Failed',
      {
        fetch: {
          state: {
            terminated: { exitCode: 127, reason: 'ContainerCannotRun', message, finishedAt: t(3) },
          },
        },
      },
      {},
    );
    const { result } = podExecutionState(pod, clock);
    expect(result).toMatchObject({
      reason: 'StartFailed',
      message: `step fetch cannot start: ContainerCannotRun: ${message}`,
      failureReason: 'ConfigurationError',
      failedTaskName: 'fetch',
      started: false,
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it('fails a step the runtime could not start (StartError) as bad configuration that never ran', () => {
    // What containerd reports for an image without /bin/sh.
    const noShell = couldNotStart(
      'failed to create containerd task: exec: "/bin/sh": stat /bin/sh: no such file or directory',
    );
    const pod = sequential('Failed', { fetch: noShell }, {});
    const { result, steps } = podExecutionState(pod, clock);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message:
        'step fetch cannot start: StartError: failed to create containerd task: exec: "/bin/sh": stat /bin/sh: no such file or directory',
      failureReason: 'ConfigurationError',
      failedTaskName: 'fetch',
      started: false,
      completionTime: t(3),
    });
    // 128 is the runtime's code, not the workflow's.
    expect(result).not.toHaveProperty('exitCode');
    expect(steps[0]).not.toHaveProperty('startedAt');
    // A Pod whose only step could not start never ran the workflow.
    const only = parallel('Failed', { lint: noShell });
    expect(podExecutionState(only, clock).result).toMatchObject({
      failureReason: 'ConfigurationError',
      started: false,
    });
    // A step that ran and failed is the failure, whatever else could not start.
    const both = parallel('Failed', { lint: noShell, test: terminated(2, t(1), t(3)) });
    expect(podExecutionState(both, clock).result).toMatchObject({
      reason: 'StepFailed',
      failedTaskName: 'test',
      exitCode: 2,
    });
  });

  it('fails a run whose step cannot start after another ran as the workflow’s failure', () => {
    // The steps before it ran and acted on the target: a class saying the workflow never ran
    // would have a controller treat the target as untouched.
    const noShell = couldNotStart('exec: "/bin/sh": stat /bin/sh: no such file or directory');
    const startError = sequential(
      'Failed',
      { fetch: terminated(0, t(1), t(2)), build: noShell },
      {},
    );
    expect(podExecutionState(startError, clock).result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message:
        'step build cannot start: StartError: exec: "/bin/sh": stat /bin/sh: no such file or directory',
      failureReason: 'TaskFailed',
      failedTaskName: 'build',
      started: true,
    });
    const pull = waiting('ImagePullBackOff', 'Back-off pulling image "build:1"');
    const stuck = sequential(
      'Pending',
      { fetch: terminated(0, t(1), t(2)), build: pull },
      { report: waiting('PodInitializing') },
    );
    expect(podExecutionState(stuck, later).result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message: 'step build cannot start: ImagePullBackOff: Back-off pulling image "build:1"',
      failureReason: 'TaskFailed',
      failedTaskName: 'build',
      started: true,
    });
    const secret = sequential(
      'Pending',
      { fetch: terminated(0, t(1), t(2)), build: waiting('CreateContainerConfigError') },
      {},
    );
    expect(podExecutionState(secret, later).result).toMatchObject({
      failureReason: 'TaskFailed',
      started: true,
    });
    const parallelRan = parallel('Running', { lint: terminated(0, t(1), t(9)), test: pull });
    expect(podExecutionState(parallelRan, later).result).toMatchObject({
      reason: 'StartFailed',
      failureReason: 'TaskFailed',
      failedTaskName: 'test',
      started: true,
    });
    // No step ran: the cause stands, and the workflow did not start.
    const first = sequential('Pending', { fetch: pull }, {});
    expect(podExecutionState(first, later).result).toMatchObject({
      failureReason: 'ImagePullBackOff',
      failedTaskName: 'fetch',
      started: false,
    });
  });

  it('counts the grace from when the step began waiting, not from the Pod’s creation', () => {
    const at = (m: number, s: number) =>
      `2026-01-02T03:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}Z`;
    const clockAt = (m: number, s: number) => ({ ...clock, now: new Date(at(m, s)) });
    // The second step's image hits its first back-off (a registry's 429) 10 minutes in.
    const late = sequential(
      'Pending',
      {
        fetch: terminated(0, t(1), at(10, 0)),
        build: waiting('ImagePullBackOff', 'Back-off pulling image: 429 Too Many Requests'),
      },
      { report: waiting('PodInitializing') },
      { startTime: t(1) },
    );
    const waitingNow = podExecutionState(late, clockAt(10, 2));
    expect(waitingNow.result).toMatchObject({ phase: 'Running', reason: 'Running' });
    // When a controller should look again: the kubelet retries the pull in silence.
    expect(waitingNow.startupGraceEndsAt).toBe('2026-01-02T03:10:15.000Z');
    // And the result says so to any controller: 13 s left, plus a second's margin.
    expect(waitingNow.result.recheckAfterMs).toBe(14_000);
    expect(podExecutionState(late, clockAt(10, 15)).result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failedTaskName: 'build',
      // fetch ran: the workflow failed, it did not fail to start.
      failureReason: 'TaskFailed',
    });
    // The first step (and every parallel one) waits from when the kubelet took the Pod: a Pod
    // the scheduler placed 30 s after its creation still has its grace.
    const placedLate = sequential(
      'Pending',
      { fetch: waiting('ImagePullBackOff') },
      {},
      { startTime: at(0, 30) },
    );
    expect(podExecutionState(placedLate, clockAt(0, 40)).result.phase).toBe('Pending');
    expect(podExecutionState(placedLate, clockAt(0, 45)).result.reason).toBe('StartFailed');
    // A node clock an hour behind the API server's: the grace still runs from no earlier than
    // the Pod's creation, so the step does not fail at its first back-off.
    const nodeBehind = sequential(
      'Pending',
      { fetch: waiting('ImagePullBackOff') },
      {},
      { startTime: '2026-01-02T02:00:01Z' },
    );
    const behind = podExecutionState(nodeBehind, clockAt(0, 5));
    expect(behind.result.phase).toBe('Pending');
    expect(behind.startupGraceEndsAt).toBe('2026-01-02T03:00:15.000Z');
    expect(podExecutionState(nodeBehind, clockAt(0, 15)).result.reason).toBe('StartFailed');
    // The same node reports the end of a step before it an hour early too: the second step
    // waits from that end moved by what the Pod's start showed, not from the Pod's creation.
    const laterBehind = sequential(
      'Pending',
      {
        fetch: terminated(0, '2026-01-02T02:00:02Z', '2026-01-02T02:10:00Z'),
        build: waiting('ImagePullBackOff'),
      },
      {},
      { startTime: '2026-01-02T02:00:01Z' },
    );
    const laterWait = podExecutionState(laterBehind, clockAt(10, 2));
    expect(laterWait.result.phase).toBe('Running');
    expect(laterWait.startupGraceEndsAt).toBe('2026-01-02T03:10:14.000Z');
    expect(podExecutionState(laterBehind, clockAt(10, 14)).result.reason).toBe('StartFailed');
    // No wait that will not pass: nothing to look at again.
    expect(podExecutionState(sequential('Pending', {}, {}), clock)).not.toHaveProperty(
      'startupGraceEndsAt',
    );
    expect(podExecutionState(sequential('Pending', {}, {}), clock).result).not.toHaveProperty(
      'recheckAfterMs',
    );
    expect(podExecutionState(late, clockAt(10, 15)).result).not.toHaveProperty('recheckAfterMs');
  });

  it('reports a pod that failed without a failed step (eviction) with its reason', () => {
    const evicted = PodStateSchema.parse({
      spec: { containers: [{ name: 'lint' }] },
      status: { phase: 'Failed', reason: 'Evicted', message: 'low on memory' },
    });
    expect(podExecutionState(evicted, clock).result).toMatchObject({
      phase: 'Failed',
      reason: 'Evicted',
      message: 'low on memory',
      failureReason: 'Unknown',
    });
  });

  it('reports an evicted pod as evicted, not as the step its eviction killed', () => {
    const evicted = endedDuringBuild('Evicted', 'The node was low on resource: memory.');
    expect(podExecutionState(evicted, clock).result).toMatchObject({
      phase: 'Failed',
      reason: 'Evicted',
      message: 'The node was low on resource: memory.',
      failureReason: 'Unknown',
      failedTaskName: 'build',
      exitCode: 137,
    });
    const preempted = sequential(
      'Failed',
      { fetch: terminated(143, t(1), t(2)) },
      {},
      {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' },
        ],
      },
    );
    expect(podExecutionState(preempted, clock).result).toMatchObject({
      reason: 'PreemptionByScheduler',
      message: 'the pod failed (PreemptionByScheduler)',
      failureReason: 'Unknown',
      failedTaskName: 'fetch',
    });
  });

  it('names the step that ran when a controller failed the Pod in its kubelet stead', () => {
    // PodGC fails a Pod whose node is gone by its phase alone: the step it killed reads running.
    const byPodGC = sequential(
      'Failed',
      { fetch: terminated(0, t(1), t(2)), build: running(t(2)) },
      { report: waiting('PodInitializing') },
      {
        conditions: [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByPodGC',
            message: 'PodGC: node no longer exists',
          },
        ],
      },
    );
    const result = podExecutionState(byPodGC, later).result;
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
      failureReason: 'Unknown',
      failedTaskName: 'build',
    });
    expect(result).not.toHaveProperty('exitCode');
    // The kubelet writes the deadline's failure before it kills the step, which reads running until then.
    const deadline = sequential(
      'Failed',
      { fetch: running(t(1)) },
      {},
      { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than allowed' },
    );
    expect(podExecutionState(deadline, later).result).toMatchObject({
      reason: 'DeadlineExceeded',
      failureReason: 'DeadlineExceeded',
      failedTaskName: 'fetch',
    });
    // PodGC fails a Pod terminating on an out-of-service node with no condition at all.
    const outOfService = sequential(
      'Failed',
      { fetch: terminated(0, t(1), t(2)), build: running(t(2)) },
      { report: waiting('PodInitializing') },
    );
    expect(podExecutionState(outOfService, later).result).toMatchObject({
      reason: 'PodFailed',
      failureReason: 'Unknown',
      failedTaskName: 'build',
    });
  });

  it("keeps a lost node's Pod running until it is abandoned, then fails it as NodeLost", () => {
    // The node controller of old clusters marks a Pod on a node that stopped answering NodeLost
    // (phase Unknown, or Running) and deletes it; nothing of its steps is known since.
    const lost = (deletionTimestamp: string) =>
      PodStateSchema.parse({
        ...sequential(
          'Unknown',
          { fetch: terminated(0, t(1), t(2)), build: running(t(2)) },
          { report: waiting('PodInitializing') },
          {
            reason: 'NodeLost',
            message: 'Node node-1 which was running pod wfe-1 is unresponsive',
          },
        ),
        metadata: { name: 'wfe-1', creationTimestamp: created, deletionTimestamp },
      });
    expect(podExecutionState(lost('2026-01-02T03:00:50Z'), later).result).toMatchObject({
      phase: 'Running',
      reason: 'StepRunning',
    });
    const abandoned = podExecutionState(lost('2026-01-02T03:00:20Z'), later).result;
    expect(abandoned).toMatchObject({
      phase: 'Failed',
      reason: 'NodeLost',
      failureReason: 'Unknown',
      failedTaskName: 'build',
      started: true,
    });
  });

  it('reports a step the kubelet lost as lost, not as a step that exited with 137', () => {
    const lostMessage = 'The container could not be located when the pod was terminated';
    const lost = {
      state: {
        terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: lostMessage },
      },
    };
    const rebooted = sequential('Failed', { fetch: terminated(0, t(1), t(2)), build: lost }, {});
    const result = podExecutionState(rebooted, clock).result;
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'ContainerStatusUnknown',
      message: `step build was lost without an exit status (ContainerStatusUnknown): ${lostMessage}`,
      failureReason: 'Unknown',
      failedTaskName: 'build',
    });
    expect(result).not.toHaveProperty('exitCode');
    // A step that did exit non-zero is the failure, whatever else was lost with the pod.
    const both = parallel('Failed', { lint: lost, test: terminated(2, t(1), t(3)) });
    expect(podExecutionState(both, clock).result).toMatchObject({
      reason: 'StepFailed',
      failureReason: 'TaskFailed',
      failedTaskName: 'test',
      exitCode: 2,
    });
  });

  it('fails a deleted pod whose node never confirmed it stopped, and waits for one that may', () => {
    const deleting = (deletionTimestamp: string, conditions: object[] = []) =>
      PodStateSchema.parse({
        ...sequential(
          'Running',
          { fetch: terminated(0, t(1), t(2)), build: running(t(2)) },
          {},
          { conditions },
        ),
        metadata: { name: 'wfe-1', creationTimestamp: created, deletionTimestamp },
      });
    const tainted = deleting('2026-01-02T03:00:20Z', [
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
      },
    ]);
    // Inside its grace period, and a moment after: the kubelet may still stop it and report.
    expect(podExecutionState(tainted, clock).result.phase).toBe('Running');
    expect(
      podExecutionState(tainted, { ...clock, now: new Date('2026-01-02T03:00:45Z') }).result.phase,
    ).toBe('Running');
    expect(podExecutionState(tainted, later).result).toEqual({
      phase: 'Failed',
      reason: 'DeletionByTaintManager',
      message:
        'pod wfe-1 was deleted (DeletionByTaintManager: Taint manager: deleting due to NoExecute taint) and has not stopped since its grace period ended at 2026-01-02T03:00:20Z: its node is not answering, so how its steps ended is unknown',
      summary: expect.objectContaining({ status: 'False', completedTasks: 1, totalTasks: 3 }),
      failureReason: 'Unknown',
      failedTaskName: 'build',
      started: true,
    });
    expect(podExecutionState(deleting('2026-01-02T03:00:20Z'), later).result).toMatchObject({
      phase: 'Failed',
      reason: 'PodNotTerminated',
      failureReason: 'Unknown',
    });
    expect(isPodFinished(tainted)).toBe(false);
  });

  it('fails a pod no node started by its deadline, which no kubelet will enforce', () => {
    // The kubelet counts activeDeadlineSeconds from the startTime it writes when it takes the
    // pod: a pod no node took has none, so nothing else ever fails it.
    const unstarted = (conditions: object[], activeDeadlineSeconds: number | null = 30) =>
      PodStateSchema.parse({
        metadata: { name: 'wfe-1', creationTimestamp: created },
        spec: {
          initContainers: [{ name: 'fetch' }],
          containers: [{ name: 'report' }],
          activeDeadlineSeconds,
        },
        status: { phase: 'Pending', conditions },
      });
    const unschedulable = unstarted([
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/1 nodes are available: 1 node(s) didn’t match Pod’s node affinity/selector.',
      },
    ]);
    expect(podExecutionState(unschedulable, clock).result.phase).toBe('Pending');
    expect(podExecutionState(unschedulable, later).result).toEqual({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message:
        'pod wfe-1 was not started within its deadline (30s): Unschedulable: 0/1 nodes are available: 1 node(s) didn’t match Pod’s node affinity/selector.',
      summary: expect.objectContaining({ status: 'False', completedTasks: 0, totalTasks: 2 }),
      failureReason: 'DeadlineExceeded',
      started: false,
    });
    const bound = unstarted([{ type: 'PodScheduled', status: 'True' }]);
    expect(podExecutionState(bound, later).result).toMatchObject({
      reason: 'DeadlineExceeded',
      message:
        'pod wfe-1 was not started within its deadline (30s): its node never took it (the kubelet wrote no startTime)',
    });
    // Started: the kubelet enforces the deadline and says so with the Pod's own status.
    const started = PodStateSchema.parse({
      ...unschedulable,
      status: { phase: 'Pending', startTime: t(1) },
    });
    expect(podExecutionState(started, later).result.phase).toBe('Pending');
    expect(podExecutionState(unstarted([], null), later).result.phase).toBe('Pending');
  });

  it('says whether any step ran, so a Pod that never ran one is no failure of the workflow', () => {
    expect(podExecutionState(sequential('Pending', {}, {}), clock).result.started).toBe(false);
    const midway = sequential(
      'Pending',
      { fetch: terminated(0, t(1), t(2)), build: waiting('PodInitializing') },
      { report: waiting('PodInitializing') },
    );
    expect(podExecutionState(midway, clock).result.started).toBe(true);
    // The kubelet refused the Pod at admission: failed, with no container status at all.
    const rejected = PodStateSchema.parse({
      metadata: { name: 'wfe-1', creationTimestamp: created },
      spec: { initContainers: [{ name: 'fetch' }], containers: [{ name: 'report' }] },
      status: {
        phase: 'Failed',
        reason: 'OutOfcpu',
        message: "Pod was rejected: Node didn't have enough resource: cpu",
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: t(3) }],
      },
    });
    expect(podExecutionState(rejected, later).result).toMatchObject({
      phase: 'Failed',
      reason: 'OutOfcpu',
      failureReason: 'Unknown',
      started: false,
      completionTime: t(3),
    });
    // Evicted while its first step's image was still being pulled.
    const evicted = sequential(
      'Failed',
      { fetch: waiting('ContainerCreating') },
      { report: waiting('PodInitializing') },
      { reason: 'Evicted', message: 'The node was low on resource: memory.' },
    );
    expect(podExecutionState(evicted, later).result.started).toBe(false);
    // Its node stopped answering while the first step's container was being created, and the
    // taint manager deleted it: the step may have started since the kubelet last reported, and
    // may still run on its node.
    const partitioned = (conditions: object[], deletionTimestamp?: string) =>
      PodStateSchema.parse({
        ...sequential(
          'Pending',
          { fetch: waiting('ContainerCreating') },
          { report: waiting('PodInitializing') },
          { startTime: t(1), conditions },
        ),
        metadata: { name: 'wfe-1', creationTimestamp: created, deletionTimestamp },
      });
    const byTaintManager = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint',
      lastTransitionTime: t(10),
    };
    const abandoned = podExecutionState(partitioned([byTaintManager], t(20)), later).result;
    expect(abandoned).toMatchObject({ phase: 'Failed', reason: 'DeletionByTaintManager' });
    expect(abandoned).not.toHaveProperty('started');
    // Still inside its grace period: the kubelet has not had its last word either.
    const deleting = podExecutionState(partitioned([byTaintManager], t(20)), clock).result;
    expect(deleting).not.toHaveProperty('started');
    // PodGC failed it for its node, gone: the statuses are the kubelet's last report.
    const byPodGC = PodStateSchema.parse({
      ...sequential(
        'Failed',
        { fetch: waiting('ContainerCreating') },
        { report: waiting('PodInitializing') },
        {
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByPodGC',
              message: 'PodGC: node no longer exists',
            },
          ],
        },
      ),
    });
    expect(podExecutionState(byPodGC, later).result).toMatchObject({ reason: 'DeletionByPodGC' });
    expect(podExecutionState(byPodGC, later).result).not.toHaveProperty('failedTaskName');
    expect(podExecutionState(byPodGC, later).result).not.toHaveProperty('started');
    // A lost step may never have started: the steps cannot tell, so the reason decides.
    const lost = parallel('Failed', {
      lint: { state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown' } } },
    });
    expect(podExecutionState(lost, later).result).not.toHaveProperty('started');
  });

  it("reports when the Pod ended, from its last step's end, however late it is seen", () => {
    const done = parallel('Succeeded', {
      lint: terminated(0, t(1), t(7)),
      test: terminated(0, t(1), t(4)),
    });
    const seenLate = { ...clock, now: new Date('2026-01-02T05:00:00Z') };
    expect(podExecutionState(done, seenLate).result).toMatchObject({
      phase: 'Completed',
      started: true,
      completionTime: t(7),
    });
    // Ended an hour after its first step, while the second step's container was being created:
    // not when the first step ended. The kubelet fails it at startTime + activeDeadlineSeconds,
    // and changes no condition then (Ready was already False).
    const at = (h: number, m: number, sec = 0) =>
      `2026-01-02T${String(3 + h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}Z`;
    const pastDeadline = PodStateSchema.parse({
      ...sequential(
        'Failed',
        { fetch: terminated(0, at(0, 0, 2), at(0, 2)) },
        { report: waiting('ContainerCreating') },
        {
          reason: 'DeadlineExceeded',
          message: 'Pod was active on the node longer than the specified deadline',
          startTime: at(0, 0, 1),
          conditions: [
            { type: 'Initialized', status: 'True', lastTransitionTime: at(0, 2) },
            { type: 'Ready', status: 'False', lastTransitionTime: at(0, 0, 1) },
          ],
        },
      ),
      spec: {
        initContainers: [{ name: 'fetch' }],
        containers: [{ name: 'report' }],
        activeDeadlineSeconds: 3600,
      },
    });
    expect(podExecutionState(pastDeadline, seenLate).result).toMatchObject({
      reason: 'DeadlineExceeded',
      completionTime: at(1, 0, 1),
    });
    // Evicted half an hour in while the second step waited: the DisruptionTarget condition the
    // kubelet adds as it ends the Pod says when.
    const evicted = sequential(
      'Failed',
      { fetch: terminated(0, at(0, 0, 2), at(0, 2)) },
      { report: waiting('ContainerCreating') },
      {
        reason: 'Evicted',
        conditions: [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'TerminationByKubelet',
            lastTransitionTime: at(0, 30),
          },
        ],
      },
    );
    expect(podExecutionState(evicted, seenLate).result.completionTime).toBe(at(0, 30));
    // A node clock ahead of this one: never a completion after now.
    const ahead = parallel('Succeeded', { lint: terminated(0, t(1), '2026-01-02T04:00:00Z') });
    expect(podExecutionState(ahead, clock).result.completionTime).toBe(t(5));
    // Not ended: no completion time, whatever the steps that finished say.
    const running = sequential('Pending', { fetch: terminated(0, t(1), t(2)) }, {});
    expect(podExecutionState(running, clock).result).not.toHaveProperty('completionTime');
  });

  it('leaves out the sidecars a webhook adds: they are no steps', () => {
    // A mesh's native sidecar (an init container that restarts, kept running by the kubelet
    // for the Pod's life) ahead of the steps.
    const meshed = (init: Record<string, object>) =>
      PodStateSchema.parse({
        metadata: { name: 'wfe-1', creationTimestamp: created },
        spec: {
          initContainers: [
            { name: 'istio-proxy', restartPolicy: 'Always' },
            { name: 'fetch' },
            { name: 'build' },
          ],
          containers: [{ name: 'report' }],
        },
        status: {
          phase: 'Pending',
          startTime: t(1),
          initContainerStatuses: Object.entries(init).map(([name, s]) => ({ name, ...s })),
          containerStatuses: [{ name: 'report', ...waiting('PodInitializing') }],
        },
      });
    const proxy = running(t(1));
    const stuck = podExecutionState(
      meshed({ 'istio-proxy': proxy, fetch: waiting('ImagePullBackOff') }),
      later,
    );
    expect(stuck.steps.map((s) => s.name)).toEqual(['fetch', 'build', 'report']);
    expect(stuck.result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'ImagePullBackOff',
      failedTaskName: 'fetch',
      started: false,
    });
    // The grace of the step after the first runs from the first's end, as without the sidecar.
    const second = meshed({
      'istio-proxy': proxy,
      fetch: terminated(0, t(2), t(50)),
      build: waiting('ImagePullBackOff'),
    });
    expect(podExecutionState(second, later)).toMatchObject({
      result: { phase: 'Running', reason: 'Running' },
      startupGraceEndsAt: '2026-01-02T03:01:05.000Z',
    });
  });

  it('ends the run once every step ended, while a container that is no step keeps the Pod running', () => {
    // Classic injection: istio-proxy serves until it is told to stop, which nothing does here, so
    // the kubelet keeps the Pod Running after the last step exited.
    const step = (name: string) => ({ name, command: ['/bin/sh', '-e', '-c', 'true'] });
    const meshed = (report: object) =>
      PodStateSchema.parse({
        metadata: { name: 'wfe-1', creationTimestamp: created },
        spec: {
          initContainers: [step('fetch')],
          containers: [step('report'), { name: 'istio-proxy', args: ['proxy'] }],
        },
        status: {
          phase: 'Running',
          startTime: t(1),
          initContainerStatuses: [{ name: 'fetch', ...terminated(0, t(1), t(2)) }],
          containerStatuses: [
            { name: 'report', ...report },
            { name: 'istio-proxy', ...running(t(2)) },
          ],
        },
      });
    expect(podExecutionState(meshed(terminated(0, t(3), t(4))), later).result).toMatchObject({
      phase: 'Completed',
      reason: 'Succeeded',
      summary: { completedTasks: 2, totalTasks: 2 },
      started: true,
      completionTime: t(4),
    });
    expect(podExecutionState(meshed(terminated(3, t(3), t(5))), later).result).toMatchObject({
      phase: 'Failed',
      reason: 'StepFailed',
      failedTaskName: 'report',
      exitCode: 3,
      completionTime: t(5),
    });
    // While the last step runs, the run does too.
    expect(podExecutionState(meshed(running(t(3))), later).result.phase).toBe('Running');
  });

  it('leaves out the containers a webhook injects beside the steps the engine built', () => {
    // Classic injection: istio-init runs to completion ahead of the steps, istio-proxy serves
    // beside them. Neither runs a script as the engine runs a step's.
    const step = (name: string) => ({ name, command: ['/bin/sh', '-e', '-c', 'true'] });
    const sequentialMeshed = PodStateSchema.parse({
      metadata: { name: 'wfe-1', creationTimestamp: created },
      spec: {
        initContainers: [{ name: 'istio-init', command: ['istio-iptables'] }, step('fetch')],
        containers: [step('report'), { name: 'istio-proxy', args: ['proxy'] }],
      },
      status: {
        phase: 'Pending',
        startTime: t(1),
        initContainerStatuses: [
          { name: 'istio-init', ...terminated(0, t(1), t(2)) },
          { name: 'fetch', ...waiting('ImagePullBackOff') },
        ],
        containerStatuses: [
          { name: 'report', ...waiting('PodInitializing') },
          { name: 'istio-proxy', ...waiting('PodInitializing') },
        ],
      },
    });
    const stuck = podExecutionState(sequentialMeshed, later);
    expect(stuck.steps.map((s) => s.name)).toEqual(['fetch', 'report']);
    // istio-init ran, but no step did: nothing of the workflow ran.
    expect(stuck.result).toMatchObject({
      phase: 'Failed',
      failureReason: 'ImagePullBackOff',
      failedTaskName: 'fetch',
      started: false,
    });
    const parallelMeshed = PodStateSchema.parse({
      metadata: { name: 'wfe-1', creationTimestamp: created },
      spec: { containers: [step('lint'), { name: 'istio-proxy', args: ['proxy'] }] },
      status: {
        phase: 'Running',
        startTime: t(1),
        containerStatuses: [
          { name: 'lint', ...waiting('ImagePullBackOff') },
          { name: 'istio-proxy', ...running(t(2)) },
        ],
      },
    });
    // The proxy serving is no step running: the stuck step fails the run.
    expect(podExecutionState(parallelMeshed, later).result).toMatchObject({
      phase: 'Failed',
      failureReason: 'ImagePullBackOff',
      started: false,
    });
  });

  it('reads times Kubernetes writes as null as absent', () => {
    const pod = PodStateSchema.parse({
      spec: { containers: [{ name: 'lint' }] },
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'lint',
            state: { terminated: { exitCode: 1, startedAt: null, finishedAt: null } },
          },
        ],
      },
    });
    expect(podExecutionState(pod, clock).steps).toEqual([
      { name: 'lint', state: 'Failed', exitCode: 1 },
    ]);
  });
});

describe('isPodFinished', () => {
  it('is true for Succeeded and Failed only', () => {
    expect(isPodFinished(parallel('Succeeded', {}))).toBe(true);
    expect(isPodFinished(parallel('Failed', {}))).toBe(true);
    expect(isPodFinished(parallel('Running', {}))).toBe(false);
  });
});
