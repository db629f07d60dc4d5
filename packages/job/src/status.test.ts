/**
 * Past 350 lines: the cases of one mapping, a Job and its pods to a result, over the same Job and
 * condition builders.
 */
import { describe, expect, it } from 'vitest';
import {
  explainPodFailure,
  hasCreatedPods,
  isJobFinished,
  type JobState,
  jobResult,
  type PodState,
  PodStateSchema,
} from './status.js';

const job = (status: NonNullable<JobState['status']>, completions?: number): JobState => ({
  spec: completions === undefined ? {} : { completions },
  status,
});
const cond = (type: string, status = 'True', reason?: string, message?: string) => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

/** The Job controller's own condition when a Job's pods failed past its backoff limit. */
const backoffLimitExceeded = cond(
  'Failed',
  'True',
  'BackoffLimitExceeded',
  'Job has reached the specified backoff limit',
);

const failedPod = (exitCode: number, reason = 'Error', message?: string): PodState => ({
  metadata: { name: 'wfe-1-abcde' },
  status: {
    containerStatuses: [
      {
        name: 'workflow',
        state: { terminated: { exitCode, reason, ...(message ? { message } : {}) } },
      },
    ],
  },
});

describe('jobResult', () => {
  it("maps Complete=True to Completed with reason Complete (kubernaut's value)", () => {
    const result = jobResult(
      job({
        succeeded: 1,
        conditions: [
          cond('SuccessCriteriaMet', 'True', 'CompletionsReached'),
          cond(
            'Complete',
            'True',
            'CompletionsReached',
            'Reached expected number of succeeded pods',
          ),
        ],
      }),
    );
    expect(result).toEqual({
      phase: 'Completed',
      reason: 'Complete',
      message: 'Reached expected number of succeeded pods',
      summary: { status: 'True', reason: 'Succeeded', completedTasks: 1, totalTasks: 1 },
      started: false,
    });
  });

  it("takes a completed Job's summary from its counters and the condition's message as it is", () => {
    // kubernaut's JobExecutor: a Complete condition without a message, no pod counted yet.
    const result = jobResult(job({ conditions: [cond('Complete')] }));
    expect(result).toMatchObject({ phase: 'Completed', reason: 'Complete', message: '' });
    expect(result.summary).toEqual({ status: 'Unknown', completedTasks: 0, totalTasks: 1 });
  });

  it('lets the first terminal condition in the list decide', () => {
    const failedFirst = jobResult(
      job({
        failed: 1,
        conditions: [cond('Failed', 'True', 'BackoffLimitExceeded', 'gave up'), cond('Complete')],
      }),
    );
    expect(failedFirst).toMatchObject({ phase: 'Failed', reason: 'BackoffLimitExceeded' });
    const completeFirst = jobResult(
      job({
        succeeded: 1,
        conditions: [cond('Complete', 'True', undefined, 'done'), cond('Failed', 'True', 'X')],
      }),
    );
    expect(completeFirst).toMatchObject({ phase: 'Completed', message: 'done' });
    expect(isJobFinished(job({ conditions: [cond('Failed', 'False'), cond('Complete')] }))).toBe(
      true,
    );
  });

  it.each(['BackoffLimitExceeded', 'DeadlineExceeded', 'PodFailurePolicy'])(
    'maps Failed=True with reason %s to Failed with that reason',
    (reason) => {
      const result = jobResult(
        job({ failed: 1, conditions: [cond('Failed', 'True', reason, 'Job has failed')] }),
      );
      expect(result.phase).toBe('Failed');
      expect(result.reason).toBe(reason);
      expect(result.message).toBe('Job has failed');
    },
  );

  it("summarises a failed Job from its counters, as kubernaut's executor does", () => {
    // kubernaut's simulateJobCompletion(job, false): FailureTarget then Failed, one pod failed.
    const result = jobResult(
      job({
        failed: 1,
        conditions: [
          cond(
            'FailureTarget',
            'True',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit',
          ),
          backoffLimitExceeded,
        ],
      }),
      [failedPod(3)],
    );
    // The counters' status and reason, and the failure's message (kubernaut's summary.Message).
    expect(result.summary).toEqual({
      status: 'False',
      reason: 'Failed',
      message: result.message,
      completedTasks: 0,
      totalTasks: 1,
    });
    expect(result.message).toBe(
      'Job has reached the specified backoff limit; container workflow in pod wfe-1-abcde exited with code 3 (Error)',
    );
  });

  it("keeps the Job's own verdict when no pod was counted as failed (kubernaut reports it deleted)", () => {
    const result = jobResult(
      job({
        conditions: [
          cond(
            'Failed',
            'True',
            'DeadlineExceeded',
            'Job was active longer than specified deadline',
          ),
        ],
      }),
    );
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
      failureReason: 'DeadlineExceeded',
    });
  });

  it('keeps a failed summary Unknown when no pod was counted as failed, as the counters say', () => {
    const result = jobResult(
      job({ conditions: [cond('Failed', 'True', 'DeadlineExceeded', 'Job was active longer')] }),
    );
    expect(result.summary).toEqual({
      status: 'Unknown',
      message: 'Job was active longer',
      completedTasks: 0,
      totalTasks: 1,
    });
    const silent = jobResult(job({ failed: 1, conditions: [cond('Failed', 'True', 'X')] }));
    expect(silent).toMatchObject({ message: '', summary: { status: 'False', reason: 'Failed' } });
    expect(silent.summary).not.toHaveProperty('message');
  });

  it("puts the pod's exit code and reason in a failure message", () => {
    const result = jobResult(
      job({
        failed: 1,
        conditions: [backoffLimitExceeded],
      }),
      [failedPod(3, 'Error', 'disk full\n')],
    );
    expect(result.exitCode).toBe(3);
    expect(result.failureReason).toBe('TaskFailed');
    expect(result.message).toBe(
      'Job has reached the specified backoff limit; container workflow in pod wfe-1-abcde exited with code 3 (Error): disk full',
    );
  });

  it('names OOMKilled', () => {
    const result = jobResult(
      job({ failed: 1, conditions: [cond('Failed', 'True', 'BackoffLimitExceeded')] }),
      [failedPod(137, 'OOMKilled')],
    );
    expect(result.message).toContain('exited with code 137 (OOMKilled)');
    expect(result.failureReason).toBe('OOMKilled');
  });

  it('explains a pod that never started', () => {
    const result = jobResult(
      job({ failed: 1, conditions: [cond('Failed', 'True', 'DeadlineExceeded')] }),
      [
        {
          metadata: { name: 'p' },
          status: {
            containerStatuses: [
              {
                name: 'workflow',
                state: {
                  waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' },
                },
              },
            ],
          },
        },
      ],
    );
    expect(result.exitCode).toBeUndefined();
    expect(result.failureReason).toBe('DeadlineExceeded');
    expect(result.message).toContain('never ran: ImagePullBackOff: Back-off pulling image');
  });

  it('fails a Job whose container the runtime could not start (StartError) as bad configuration that never ran', () => {
    // What containerd reports for an image without /bin/sh: exit code 128, the runtime's.
    const noShell = failedPod(
      128,
      'StartError',
      'failed to create containerd task: exec: "/bin/sh": stat /bin/sh: no such file or directory',
    );
    const failed = (reason: string) =>
      job({
        failed: 1,
        startTime: '2026-12-03T10:00:00Z',
        conditions: [cond('Failed', 'True', reason, 'Job has reached the specified backoff limit')],
      });
    const result = jobResult(failed('BackoffLimitExceeded'), [noShell]);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message:
        'Job has reached the specified backoff limit; container workflow in pod wfe-1-abcde cannot start: StartError: failed to create containerd task: exec: "/bin/sh": stat /bin/sh: no such file or directory',
      failureReason: 'ConfigurationError',
      started: false,
    });
    expect(result).not.toHaveProperty('exitCode');
    // The deadline still decides a Job that ran out of time.
    expect(jobResult(failed('DeadlineExceeded'), [noShell])).toMatchObject({
      reason: 'DeadlineExceeded',
      failureReason: 'DeadlineExceeded',
    });
    // A pod whose workflow ran and failed is the failure, whatever another could not start.
    expect(jobResult(failed('BackoffLimitExceeded'), [noShell, failedPod(2)])).toMatchObject({
      reason: 'BackoffLimitExceeded',
      failureReason: 'TaskFailed',
      exitCode: 2,
      started: true,
    });
  });

  it('stays Running, as kubernaut reports it, while SuccessCriteriaMet awaits Complete', () => {
    const result = jobResult(
      job({
        succeeded: 1,
        active: 1,
        conditions: [cond('SuccessCriteriaMet', 'True', 'CompletionsReached')],
      }),
    );
    expect(result).toMatchObject({
      phase: 'Running',
      reason: 'Running',
      message: 'Job running (1/1 pods active)',
    });
    expect(result.summary.status).toBe('True');
  });

  it('stays Running, as kubernaut reports it, while FailureTarget awaits Failed', () => {
    const result = jobResult(
      job({ failed: 1, conditions: [cond('FailureTarget', 'True', 'BackoffLimitExceeded')] }),
    );
    expect(result).toMatchObject({
      phase: 'Running',
      reason: 'Running',
      message: 'Job running (0/1 pods active)',
    });
    expect(result.summary).toMatchObject({ status: 'False', message: '1 pod(s) failed' });
  });

  it('says a suspended Job is suspended, not running, while it waits to be resumed', () => {
    const suspended = jobResult(
      job({ conditions: [cond('Suspended', 'True', 'JobSuspended', 'Job suspended')] }),
    );
    expect(suspended).toMatchObject({
      phase: 'Running',
      reason: 'Running',
      message:
        'Job suspended (0/1 pods active): the Job controller starts no pod until it is resumed',
    });
    const resumed = jobResult(
      job({ active: 1, conditions: [cond('Suspended', 'False', 'JobResumed', 'Job resumed')] }),
    );
    expect(resumed.message).toBe('Job running (1/1 pods active)');
  });

  it('ignores conditions that are not True', () => {
    const result = jobResult(
      job({ active: 1, conditions: [cond('Complete', 'False'), cond('Failed', 'Unknown')] }),
    );
    expect(result.phase).toBe('Running');
  });

  it.each([
    [
      { active: 1 },
      undefined,
      'Job running (1/1 pods active)',
      { status: 'Unknown', reason: 'Running', message: '1 pod(s) active' },
    ],
    [{}, undefined, 'Job running (0/1 pods active)', { status: 'Unknown' }],
    [{ active: 2 }, 3, 'Job running (2/3 pods active)', { status: 'Unknown', reason: 'Running' }],
    [
      { active: 1, conditions: [cond('Suspended')] },
      undefined,
      'Job suspended (1/1 pods active): the Job controller starts no pod until it is resumed',
      { status: 'Unknown' },
    ],
  ] as const)('maps a running Job %o', (status, completions, message, summary) => {
    const result = jobResult(job(structuredClone(status) as JobState['status'] & {}, completions));
    expect(result.phase).toBe('Running');
    expect(result.reason).toBe('Running');
    expect(result.message).toBe(message);
    expect(result.summary).toMatchObject(summary);
  });
});

describe('start and completion', () => {
  const startTime = '2026-12-03T10:00:00Z';

  it("carries a completed Job's completionTime, and started from its startTime", () => {
    const completionTime = '2026-12-03T10:01:02Z';
    const result = jobResult(
      job({
        succeeded: 1,
        startTime,
        completionTime,
        conditions: [{ ...cond('Complete'), lastTransitionTime: '2026-12-03T10:01:03Z' }],
      }),
    );
    expect(result).toMatchObject({ completionTime, started: true });
  });

  it("carries a failed Job's Failed condition's transition time: Kubernetes sets completionTime for a success only", () => {
    const failedAt = '2026-12-03T10:05:00Z';
    const result = jobResult(
      job({
        failed: 1,
        startTime,
        conditions: [
          { ...cond('FailureTarget'), lastTransitionTime: '2026-12-03T10:04:00Z' },
          { ...cond('Failed', 'True', 'BackoffLimitExceeded'), lastTransitionTime: failedAt },
        ],
      }),
    );
    expect(result).toMatchObject({ phase: 'Failed', completionTime: failedAt, started: true });
  });

  it('carries no completion time while the Job runs, nor one that is no time', () => {
    const running = jobResult(job({ active: 1, startTime, completionTime: startTime }));
    expect(running).toMatchObject({ phase: 'Running', started: true });
    expect(running).not.toHaveProperty('completionTime');
    const garbled = jobResult(
      job({ conditions: [{ ...cond('Failed'), lastTransitionTime: 'soon' }] as never }),
    );
    expect(garbled).not.toHaveProperty('completionTime');
    expect(garbled.started).toBe(false);
  });
});

describe('explainPodFailure and isJobFinished', () => {
  it('skips successful containers and finds the failing pod', () => {
    expect(explainPodFailure([failedPod(0, 'Completed'), failedPod(2)])?.exitCode).toBe(2);
    expect(explainPodFailure([])).toBeUndefined();
  });

  it("does not report the kubelet's placeholder 137 of a lost container as the workflow's exit", () => {
    const lost = explainPodFailure([failedPod(137, 'ContainerStatusUnknown')]);
    expect(lost).toEqual({
      reason: 'Unknown',
      description:
        'container workflow in pod wfe-1-abcde was lost without an exit status (ContainerStatusUnknown)',
    });
  });

  it('reads a container killed by the deletion of its pod as the deletion, not as the workflow failing', () => {
    const killed = failedPod(143);
    const deleted = (finishedAt: string): PodState => ({
      metadata: {
        name: 'wfe-1-abcde',
        // Requested at 10:00:00 with the default 30 s grace period.
        deletionTimestamp: '2026-01-01T10:00:30Z',
        deletionGracePeriodSeconds: 30,
      },
      status: {
        containerStatuses: [
          {
            name: 'workflow',
            state: { terminated: { exitCode: 143, reason: 'Error', finishedAt } },
          },
        ],
      },
    });
    const failed = job({ failed: 1, conditions: [cond('Failed', 'True', 'BackoffLimitExceeded')] });
    expect(jobResult(failed, [deleted('2026-01-01T10:00:01Z')])).toMatchObject({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      failureReason: 'Unknown',
      exitCode: 143,
      message:
        'container workflow in pod wfe-1-abcde was killed when the pod was deleted: it exited with code 143 (Error)',
    });
    // A container that had failed before anyone deleted its pod failed on its own.
    expect(jobResult(failed, [deleted('2026-01-01T09:59:59Z')])).toMatchObject({
      failureReason: 'TaskFailed',
      exitCode: 143,
    });
    expect(jobResult(failed, [killed]).failureReason).toBe('TaskFailed');
  });

  it('falls back to the pod-level reason (e.g. DeadlineExceeded eviction)', () => {
    expect(
      explainPodFailure([
        {
          metadata: { name: 'p' },
          status: { reason: 'DeadlineExceeded', message: 'Pod was active too long' },
        },
      ])?.description,
    ).toBe('pod p DeadlineExceeded: Pod was active too long');
  });

  it('says none of the workflow ran when the cluster ended its pod before the container started', () => {
    const failed = job({
      failed: 1,
      startTime: '2026-01-01T10:00:00Z',
      conditions: [backoffLimitExceeded],
    });
    // The kubelet's admission refusal writes the phase, reason and message, and no container.
    const rejected: PodState = {
      metadata: { name: 'wfe-1-abcde' },
      status: {
        reason: 'OutOfcpu',
        message: "Pod was rejected: Node didn't have enough resource: cpu",
      },
    };
    expect(jobResult(failed, [rejected])).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'Unknown',
      started: false,
      message:
        "Job has reached the specified backoff limit; pod wfe-1-abcde OutOfcpu: Pod was rejected: Node didn't have enough resource: cpu",
    });
    const preemptedWhilePulling = PodStateSchema.parse({
      metadata: { name: 'wfe-1-abcde' },
      status: {
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }],
        containerStatuses: [
          { name: 'workflow', state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    });
    expect(jobResult(failed, [preemptedWhilePulling])).toMatchObject({ started: false });
    // PodGC and the taint manager end a pod in its kubelet's stead: the container it last
    // reported waiting may have started since.
    const collected = PodStateSchema.parse({
      metadata: { name: 'wfe-1-abcde' },
      status: {
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC' }],
        containerStatuses: [
          { name: 'workflow', state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    });
    expect(jobResult(failed, [collected])).toMatchObject({
      reason: 'BackoffLimitExceeded',
      started: true,
    });
  });

  it("puts the cluster's reason for ending a pod before its killed container's exit code", () => {
    const killed = failedPod(137);
    const evicted: PodState = {
      ...killed,
      status: {
        ...killed.status,
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
      },
    };
    expect(explainPodFailure([evicted])).toEqual({
      exitCode: 137,
      reason: 'Unknown',
      description: 'pod wfe-1-abcde Evicted: The node was low on resource: memory.',
    });
    // Some kubelets record the eviction only in the DisruptionTarget condition.
    const preempted = PodStateSchema.parse({
      ...killed,
      status: {
        ...killed.status,
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'PreemptionByScheduler',
            message: 'Preempted by pod 1234',
          },
        ],
      },
    });
    expect(explainPodFailure([preempted])?.description).toBe(
      'pod wfe-1-abcde PreemptionByScheduler: Preempted by pod 1234',
    );
    const notYet = PodStateSchema.parse({
      ...killed,
      status: {
        ...killed.status,
        conditions: [{ type: 'DisruptionTarget', status: 'False', reason: 'x' }],
      },
    });
    expect(explainPodFailure([notYet])?.reason).toBe('TaskFailed');
    const result = jobResult(
      job({ failed: 1, conditions: [cond('Failed', 'True', 'BackoffLimitExceeded')] }),
      [evicted],
    );
    expect(result).toMatchObject({ failureReason: 'Unknown', exitCode: 137 });
    expect(result.message).toContain('Evicted: The node was low on resource: memory.');
  });

  it('knows terminal Jobs', () => {
    expect(isJobFinished(job({ conditions: [cond('Complete')] }))).toBe(true);
    expect(isJobFinished(job({ conditions: [cond('Failed')] }))).toBe(true);
    expect(isJobFinished(job({ conditions: [cond('FailureTarget')] }))).toBe(false);
  });
});

describe('failure classification', () => {
  it('classifies a pod stuck pulling its image when the Job gives up for another reason', () => {
    const result = jobResult(
      job({ failed: 1, conditions: [cond('Failed', 'True', 'BackoffLimitExceeded')] }),
      [
        {
          status: {
            containerStatuses: [
              { name: 'workflow', state: { waiting: { reason: 'ErrImagePull' } } },
            ],
          },
        },
      ],
    );
    expect(result.failureReason).toBe('ImagePullBackOff');
  });

  it.each([
    [
      'ErrImageNeverPull',
      'Container image "app:1" is not present with pull policy of Never',
      'ImagePullBackOff',
    ],
    [
      'CreateContainerConfigError',
      'container has runAsNonRoot and image will run as root (pod: "wfe-1-abcde_ns(uid)", container: workflow)',
      'ConfigurationError',
    ],
    ['CreateContainerError', 'context deadline exceeded', 'Unknown'],
  ])(
    'classifies a pod left waiting for %s as a start still on its way would be',
    (reason, message, failure) => {
      const result = jobResult(
        job({ failed: 1, conditions: [cond('Failed', 'True', 'BackoffLimitExceeded')] }),
        [
          {
            status: {
              containerStatuses: [{ name: 'workflow', state: { waiting: { reason, message } } }],
            },
          },
        ],
      );
      expect(result.failureReason).toBe(failure);
      expect(result.message).toContain(`never ran: ${reason}: ${message}`);
    },
  );

  it('falls back to TaskFailed when no pod explains the failure', () => {
    expect(
      jobResult(job({ failed: 1, conditions: [cond('Failed', 'True', 'PodFailurePolicy')] }))
        .failureReason,
    ).toBe('TaskFailed');
  });
});

describe('hasCreatedPods', () => {
  it.each<[string, NonNullable<JobState['status']>]>([
    ['an active pod', { active: 1 }],
    ['a succeeded pod', { succeeded: 1 }],
    ['a failed pod', { failed: 1 }],
    ['a terminating pod', { terminating: 1 }],
    ['a finished pod not yet counted', { uncountedTerminatedPods: { succeeded: ['uid-1'] } }],
    ['a failed pod not yet counted', { uncountedTerminatedPods: { failed: ['uid-1'] } }],
  ])('sees %s', (_case, status) => {
    expect(hasCreatedPods(job(status))).toBe(true);
  });

  it('sees none in a Job without pods, whose Events may say why', () => {
    expect(hasCreatedPods(job({}))).toBe(false);
    expect(hasCreatedPods({})).toBe(false);
    expect(
      hasCreatedPods(
        job({ active: 0, terminating: null, uncountedTerminatedPods: { succeeded: [] } }),
      ),
    ).toBe(false);
  });
});
