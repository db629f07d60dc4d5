/**
 * Past 350 lines: the cases of the status transitions, each over the same execution and result
 * builders.
 */
import {
  type ExecutionResult,
  type FailureReason,
  formatKubeTime,
  type WorkflowExecution,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { failedEventMessage } from './failure-report.js';
import {
  conditionTypes,
  cooldownRemaining,
  finishedAt,
  markCompleted,
  markCompletionTime,
  markCooldownActive,
  markCreateFailed,
  markFailed,
  markLockReleased,
  markRunning,
  markWaiting,
} from './status.js';
import { statusMessage, statusMessageMaxLength } from './status-message.js';

const t0 = new Date('2026-11-22T10:00:00Z');
/** metav1.Time has second precision. */
const t0Text = '2026-11-22T10:00:00Z';
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

const wfe = (status?: WorkflowExecution['status']): WorkflowExecution => ({
  metadata: { name: 'w', namespace: 'n', generation: 2 },
  spec: {
    workflowRef: { workflowId: 'x', version: '1', executionBundle: 'img' },
    targetResource: 'n/deployment/a',
    executionEngine: 'job',
  },
  ...(status ? { status } : {}),
});

const result = (overrides: Partial<ExecutionResult>): ExecutionResult => ({
  phase: 'Running',
  reason: 'Running',
  message: 'Job running (1/1 pods active)',
  summary: { status: 'Unknown' },
  ...overrides,
});

const conditionOf = (status: WorkflowExecution['status'], type: string) =>
  status?.conditions?.find((c) => c.type === type);

describe('status transitions', () => {
  it('moves a new execution to Running with its resource, start time and conditions', () => {
    const status = markRunning(wfe(), 'job', 'wfe-123', 'workflows', t0);
    expect(status).toMatchObject({
      phase: 'Running',
      startTime: formatKubeTime(t0),
      executionRef: { name: 'wfe-123' },
      observedGeneration: 2,
    });
    expect(conditionOf(status, conditionTypes.created)).toMatchObject({
      status: 'True',
      reason: 'ExecutionCreated',
      message: 'job execution resource wfe-123 created in workflows namespace',
      observedGeneration: 2,
      lastTransitionTime: t0Text,
    });
  });

  it('starts an adopted execution when its resource was created, bounded by its own creation and now', () => {
    const created = (seconds: number) => ({
      ...wfe(),
      metadata: { ...wfe().metadata, creationTimestamp: formatKubeTime(later(seconds)) },
    });
    const startOf = (view: WorkflowExecution, createdAt: string | undefined) =>
      markRunning(view, 'job', 'wfe-1', 'ns', later(300), { adoptedKind: 'Job', createdAt })
        ?.startTime;
    // A start before a restart made the Job at t0+20; the adoption comes at t0+300.
    expect(startOf(created(10), formatKubeTime(later(20)))).toBe(formatKubeTime(later(20)));
    // An API server whose clock ran behind stamped the Job before the execution existed.
    expect(startOf(created(10), formatKubeTime(later(5)))).toBe(formatKubeTime(later(10)));
    // One whose clock runs ahead of this process's stamped it after now.
    expect(startOf(created(10), formatKubeTime(later(400)))).toBe(formatKubeTime(later(300)));
    // No creation time known (the engine adopted what the cache did not show yet), or none parses.
    expect(startOf(created(10), undefined)).toBe(formatKubeTime(later(300)));
    expect(startOf(created(10), 'yesterday')).toBe(formatKubeTime(later(300)));
    expect(startOf(wfe(), formatKubeTime(later(20)))).toBe(formatKubeTime(later(20)));
  });

  it('starts a new execution when the API server made its resource, not when the create answered', () => {
    // The Job was made at t0+2; its create's answer, and the Running write, came at t0+6.
    const status = markRunning(wfe(), 'job', 'wfe-1', 'ns', later(6), {
      createdAt: formatKubeTime(later(2)),
    });
    expect(status?.startTime).toBe(formatKubeTime(later(2)));
    expect(conditionOf(status, conditionTypes.created)?.message).toBe(
      'job execution resource wfe-1 created in ns namespace',
    );
  });

  it("says, as kubernaut's race path does, that the PipelineRun was the execution's already", () => {
    const status = markRunning(wfe(), 'tekton', 'wfe-123', 'workflows', t0, {
      adoptedKind: 'PipelineRun',
    });
    expect(status).toMatchObject({ phase: 'Running', executionRef: { name: 'wfe-123' } });
    expect(conditionOf(status, conditionTypes.created)).toMatchObject({
      status: 'True',
      reason: 'ExecutionCreated',
      message: 'PipelineRun wfe-123 already exists (race condition)',
    });
  });

  it('does not move an execution that is already past Pending (a repeated write)', () => {
    const running = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
    expect(markRunning(running, 'job', 'wfe-1', 'ns', later(5))).toBeUndefined();
  });

  it('completes with completion time, Go-style duration and the summary', () => {
    const running = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
    const summary = { status: 'True' as const, completedTasks: 1, totalTasks: 1 };
    const status = markCompleted(
      running,
      result({ phase: 'Completed', reason: 'Complete', summary }),
      later(95),
    );
    expect(status).toMatchObject({
      phase: 'Completed',
      completionTime: formatKubeTime(later(95)),
      duration: '1m35s',
      executionStatus: summary,
    });
    expect(conditionOf(status, conditionTypes.ready)).toMatchObject({
      status: 'True',
      reason: 'Ready',
    });
    expect(markCompleted(wfe(status), result({ phase: 'Completed' }), later(100))).toBeUndefined();
  });

  it('writes every time with whole seconds, so a status never mixes precisions', () => {
    const withMillis = new Date('2026-11-22T10:00:00.750Z');
    const started = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', withMillis));
    const done = markCompleted(started, result({ phase: 'Completed' }), later(95.5));
    const times = [
      done?.startTime,
      done?.completionTime,
      ...(done?.conditions ?? []).map((c) => c.lastTransitionTime),
    ];
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('fails an execution failure with details from the engine', () => {
    const running = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
    const failed = result({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      message: 'exit 3',
      exitCode: 3,
      failedTaskName: 'wfe-1-apply',
      failedTaskIndex: 1,
      failedStepName: 'kubectl-apply',
      summary: { status: 'False' },
    });
    const status = markFailed(
      running,
      {
        reason: 'TaskFailed',
        message: 'exit 3',
        wasExecutionFailure: true,
        result: failed,
        subject: { workflowId: 'restart', targetResource: 'prod/deployment/app' },
      },
      later(10),
    );
    expect(status?.failureDetails).toEqual({
      reason: 'TaskFailed',
      message: 'exit 3',
      failedAt: formatKubeTime(later(10)),
      wasExecutionFailure: true,
      exitCode: 3,
      failedTaskName: 'wfe-1-apply',
      failedTaskIndex: 1,
      failedStepName: 'kubectl-apply',
      executionTimeBeforeFailure: '10s',
      naturalLanguageSummary:
        "Workflow 'restart' failed on target 'prod/deployment/app'.\nReason: TaskFailed\nError: exit 3\nFailed after: 10s\n",
    });
    expect(conditionOf(status, conditionTypes.complete)).toMatchObject({
      status: 'False',
      reason: 'TaskFailed',
      message: 'exit 3',
    });
    expect(conditionOf(status, conditionTypes.ready)).toMatchObject({
      status: 'False',
      reason: 'NotReady',
      message: 'Workflow execution failed',
    });
  });

  it("writes every failureDetails field kubernaut's CRD requires, with its Go zero values where no task is known", () => {
    // kubernaut's CRD requires failedAt, failedTaskIndex, failedTaskName, message,
    // naturalLanguageSummary and reason: a Failed write without one is refused (422).
    const required = [
      'failedAt',
      'failedTaskIndex',
      'failedTaskName',
      'message',
      'naturalLanguageSummary',
      'reason',
    ];
    const before = markFailed(
      wfe(),
      { reason: 'ConfigurationError', message: 'bad spec', wasExecutionFailure: false },
      t0,
    );
    expect(Object.keys(before?.failureDetails ?? {})).toEqual(expect.arrayContaining(required));
    expect(before?.failureDetails).toMatchObject({ failedTaskName: '', failedTaskIndex: 0 });
    // A Job's result names its container and numbers no task.
    const named = markFailed(
      wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0)),
      {
        reason: 'TaskFailed',
        message: 'exit 1',
        wasExecutionFailure: true,
        result: result({
          phase: 'Failed',
          reason: 'BackoffLimitExceeded',
          message: 'exit 1',
          failedTaskName: 'workflow',
          summary: { status: 'False' },
        }),
      },
      later(10),
    );
    expect(named?.failureDetails).toMatchObject({ failedTaskName: 'workflow', failedTaskIndex: 0 });
  });

  it('fails before execution without a start time and marks creation failed', () => {
    const status = markFailed(
      wfe(),
      { reason: 'UnsupportedEngine', message: 'no engine', wasExecutionFailure: false },
      t0,
    );
    expect(status).toMatchObject({ phase: 'Failed', completionTime: formatKubeTime(t0) });
    expect(status?.startTime).toBeUndefined();
    expect(status?.duration).toBeUndefined();
    expect(status?.failureDetails?.executionTimeBeforeFailure).toBeUndefined();
    expect(status?.failureDetails?.naturalLanguageSummary).toBe(
      'The workflow execution failed.\nReason: UnsupportedEngine\nError: no engine\n',
    );
    expect(conditionOf(status, conditionTypes.created)).toMatchObject({
      status: 'False',
      reason: 'ExecutionCreationFailed',
      message: 'Failed to create PipelineRun: no engine',
    });
    expect(conditionOf(status, conditionTypes.ready)?.message).toBe('Workflow execution failed');
  });

  it('waits in Pending, keeping the transition time while the reason stays the same and starting it anew when the reason changes', () => {
    const first = markWaiting(wfe(), 'CooldownActive', 'cooling down', t0);
    expect(first?.phase).toBe('Pending');
    expect(markWaiting(wfe(first), 'CooldownActive', 'cooling down', later(5))).toBeUndefined();
    const again = markWaiting(wfe(first), 'CooldownActive', 'cooling down, 1m left', later(5));
    expect(conditionOf(again, conditionTypes.waiting)).toMatchObject({
      message: 'cooling down, 1m left',
      lastTransitionTime: t0Text,
    });
    const changed = markWaiting(wfe(first), 'CreateFailed', 'etcd is busy', later(5));
    expect(conditionOf(changed, conditionTypes.waiting)).toMatchObject({
      reason: 'CreateFailed',
      lastTransitionTime: '2026-11-22T10:00:05Z',
    });
  });

  it('keeps the time of the first failed create through the lock waits between failures, and says so no longer once started', () => {
    const failed = markCreateFailed(wfe(), 'etcd is busy', t0);
    expect(markCreateFailed(wfe(failed), 'etcd is busy', later(5))).toBeUndefined();
    const locked = markWaiting(wfe(failed), 'TargetLocked', 'held by x', later(10));
    const again = markCreateFailed(wfe(locked), 'etcd is busy', later(20));
    expect(conditionOf(again, conditionTypes.waiting)).toMatchObject({
      reason: 'CreateFailed',
      lastTransitionTime: '2026-11-22T10:00:20Z',
    });
    expect(conditionOf(again, conditionTypes.startFailing)).toMatchObject({
      status: 'True',
      lastTransitionTime: t0Text,
    });
    const started = markRunning(wfe(again), 'job', 'x', 'ns', later(30));
    expect(conditionOf(started, conditionTypes.startFailing)).toMatchObject({
      status: 'False',
      reason: 'Started',
    });
    expect(conditionOf(markRunning(wfe(), 'job', 'x', 'ns', t0), conditionTypes.startFailing)).toBe(
      undefined,
    );
  });

  it('ends StartFailing in a cooldown wait, so the count starts again at the next failed create, and keeps it through a lock wait', () => {
    const failed = markCreateFailed(wfe(), 'etcd is busy', t0);
    const locked = markWaiting(wfe(failed), 'TargetLocked', 'held by x', later(10));
    expect(conditionOf(locked, conditionTypes.startFailing)).toMatchObject({ status: 'True' });
    const cooling = markCooldownActive(wfe(locked), 'cooldown after y', later(20));
    expect(conditionOf(cooling, conditionTypes.waiting)).toMatchObject({
      reason: 'CooldownActive',
    });
    expect(conditionOf(cooling, conditionTypes.startFailing)).toMatchObject({
      status: 'False',
      reason: 'Waited',
    });
    const again = markCreateFailed(wfe(cooling), 'etcd is busy', later(3600));
    expect(conditionOf(again, conditionTypes.startFailing)).toMatchObject({
      status: 'True',
      lastTransitionTime: '2026-11-22T11:00:00Z',
    });
    // Without a failed create before it, a cooldown writes no StartFailing at all.
    expect(
      conditionOf(markCooldownActive(wfe(), 'cooldown after y', t0), conditionTypes.startFailing),
    ).toBeUndefined();
  });

  it('counts a failing start an older version wrote (Waiting/CreateFailed, no StartFailing) from that wait', () => {
    const legacy = markWaiting(wfe(), 'CreateFailed', 'etcd is busy', t0);
    expect(conditionOf(legacy, conditionTypes.startFailing)).toBeUndefined();
    const failed = markCreateFailed(wfe(legacy), 'etcd is busy', later(60));
    expect(conditionOf(failed, conditionTypes.startFailing)).toMatchObject({
      status: 'True',
      lastTransitionTime: t0Text,
    });
    // A wait for another reason before it is no failure: counted from now.
    const locked = markWaiting(wfe(), 'TargetLocked', 'held by x', t0);
    const first = markCreateFailed(wfe(locked), 'etcd is busy', later(60));
    expect(conditionOf(first, conditionTypes.startFailing)).toMatchObject({
      lastTransitionTime: '2026-11-22T10:01:00Z',
    });
  });

  it('records the lock release once, and only for finished executions', () => {
    expect(
      markLockReleased(wfe(markRunning(wfe(), 'job', 'x', 'ns', t0)), later(1)),
    ).toBeUndefined();
    const done = wfe(
      markFailed(wfe(), { reason: 'Unknown', message: 'm', wasExecutionFailure: false }, t0),
    );
    const released = markLockReleased(done, later(1));
    expect(conditionOf(released, conditionTypes.lockReleased)?.status).toBe('True');
    expect(markLockReleased(wfe(released), later(2))).toBeUndefined();
  });

  it('keeps a Failed status small enough to write, however long the message', () => {
    // What ~100,000 bad parameter names once made: a status too large for the API server.
    const message = `${'spec.parameters.0: is not a valid parameter name; '.repeat(26_000)}the end`;
    const running = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
    const failed = result({
      phase: 'Failed',
      message,
      summary: { status: 'False', message },
    });
    const status = markFailed(
      running,
      { reason: 'TaskFailed', message, wasExecutionFailure: true, result: failed },
      later(10),
    );
    const messages = [
      status?.failureDetails?.message,
      status?.executionStatus?.message,
      ...[conditionTypes.complete, conditionTypes.running].map(
        (type) => conditionOf(status, type)?.message,
      ),
    ];
    for (const text of messages) {
      expect(text?.length).toBeLessThanOrEqual(statusMessageMaxLength);
      expect(text).toMatch(/^spec\.parameters\.0: is not a valid parameter name; /);
      expect(text).toMatch(/ … \[\d+ characters left out\] … .*the end$/);
    }
    expect(JSON.stringify(status).length).toBeLessThan(8 * statusMessageMaxLength);
  });

  it('shortens a message without splitting a character, and leaves a short one alone', () => {
    expect(statusMessage('exit 3')).toBe('exit 3');
    const emoji = '😀'.repeat(statusMessageMaxLength);
    const short = statusMessage(emoji);
    expect(short.length).toBeLessThanOrEqual(statusMessageMaxLength);
    expect(short).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(statusMessage(`x${emoji}`)).not.toMatch(/[\uD800-\uDFFF]/u);
  });

  it("v3.2: takes the completion time and duration from the engine's own record, as kubernaut takes a PipelineRun's", () => {
    const running = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
    // Seen 5 minutes late (a missed event, a restart): the record still says when it ended.
    const status = markCompleted(
      running,
      result({ phase: 'Completed', completionTime: '2026-11-22T10:01:35.250+00:00' }),
      later(395),
    );
    expect(status).toMatchObject({ completionTime: '2026-11-22T10:01:35Z', duration: '1m35s' });
    expect(conditionOf(status, conditionTypes.complete)?.message).toBe(
      'All tasks completed successfully in 1m35s',
    );
    // The cooldown counts from then: 5 minutes after 10:01:35, not after 10:06:35.
    expect(cooldownRemaining(wfe(status), 300_000, later(200))).toBe(195_000);
    const failed = markFailed(
      running,
      {
        reason: 'TaskFailed',
        message: 'exit 1',
        wasExecutionFailure: true,
        result: result({ phase: 'Failed', completionTime: '2026-11-22T10:00:30Z' }),
      },
      later(120),
    );
    expect(failed).toMatchObject({ completionTime: '2026-11-22T10:00:30Z', duration: '30s' });
    expect(failed?.failureDetails?.executionTimeBeforeFailure).toBe('30s');
  });

  it("clamps a duration to 0 when the engine's clock puts the end before the recorded start, and a future end to now", () => {
    const running = wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
    const early = markCompleted(
      running,
      result({ phase: 'Completed', completionTime: '2026-11-22T09:59:58Z' }),
      later(10),
    );
    expect(early).toMatchObject({ completionTime: '2026-11-22T09:59:58Z', duration: '0s' });
    const ahead = markCompleted(
      running,
      result({ phase: 'Completed', completionTime: '2026-11-22T11:00:00Z' }),
      later(10),
    );
    expect(ahead).toMatchObject({ completionTime: formatKubeTime(later(10)), duration: '10s' });
    expect(finishedAt(undefined, t0)).toBe(t0);
    expect(finishedAt(result({ phase: 'Completed' }), t0)).toBe(t0);
  });

  it('computes what is left of the cooldown', () => {
    const done = wfe(
      markFailed(wfe(), { reason: 'Unknown', message: 'm', wasExecutionFailure: false }, t0),
    );
    expect(cooldownRemaining(done, 60_000, later(20))).toBe(40_000);
    expect(cooldownRemaining(done, 60_000, later(61))).toBe(0);
    expect(cooldownRemaining(wfe(), 60_000, t0)).toBe(0);
  });
});

describe("kubernaut's conditions", () => {
  const running = () => wfe(markRunning(wfe(), 'job', 'wfe-1', 'ns', t0));
  const types = (status: WorkflowExecution['status']) =>
    Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));

  it('IT-WE-014-014: a completed execution keeps ExecutionRunning True beside ExecutionComplete and Ready, five conditions in all', () => {
    const status = markCompleted(
      running(),
      result({ phase: 'Completed', message: 'Reached expected number of succeeded pods' }),
      later(95),
    );
    expect(types(status)).toEqual({
      ExecutionCreated: ['True', 'ExecutionCreated'],
      Waiting: ['False', 'Started'],
      ExecutionRunning: ['True', 'ExecutionStarted'],
      ExecutionComplete: ['True', 'ExecutionSucceeded'],
      Ready: ['True', 'Ready'],
    });
    expect(conditionOf(status, conditionTypes.complete)?.message).toBe(
      'All tasks completed successfully in 1m35s',
    );
    expect(conditionOf(status, conditionTypes.ready)?.message).toBe('Workflow execution completed');
    // The engine's last word stays readable where it always was.
    expect(conditionOf(status, conditionTypes.running)).toMatchObject({
      message: 'Reached expected number of succeeded pods',
      lastTransitionTime: t0Text,
    });
  });

  it("lists the conditions of a finished execution in kubernaut's order, Ready after ExecutionComplete", () => {
    const order = (status: WorkflowExecution['status']) =>
      (status?.conditions ?? []).map((c) => c.type).filter((type) => type !== 'Waiting');
    const kubernautOrder = ['ExecutionCreated', 'ExecutionRunning', 'ExecutionComplete', 'Ready'];
    const completed = markCompleted(running(), result({ phase: 'Completed' }), later(95));
    expect(order(completed)).toEqual(kubernautOrder);
    const failed = markFailed(
      running(),
      { reason: 'TaskFailed', message: 'exit 1', wasExecutionFailure: true },
      later(95),
    );
    expect(order(failed)).toEqual(kubernautOrder);
    const refused = markFailed(
      wfe(),
      { reason: 'ConfigurationError', message: 'bad', wasExecutionFailure: false },
      t0,
    );
    expect(order(refused)).toEqual(['ExecutionCreated', 'Ready']);
  });

  it('IT-WE-014-015: a failed execution has ExecutionComplete False with the reason kubernaut maps its failure to, and Ready NotReady', () => {
    const cases: [FailureReason, string][] = [
      ['TaskFailed', 'TaskFailed'],
      ['DeadlineExceeded', 'DeadlineExceeded'],
      ['OOMKilled', 'OOMKilled'],
      ['Unknown', 'ExecutionFailed'],
      ['ExecutionResourceDeleted', 'ExecutionFailed'],
      ['ImagePullBackOff', 'ExecutionFailed'],
    ];
    for (const [reason, conditionReason] of cases) {
      const status = markFailed(
        running(),
        { reason, message: 'it failed', wasExecutionFailure: reason !== 'ImagePullBackOff' },
        later(10),
      );
      expect(types(status), reason).toMatchObject({
        ExecutionCreated: ['True', 'ExecutionCreated'],
        ExecutionRunning: ['True', 'ExecutionStarted'],
        ExecutionComplete: ['False', conditionReason],
        Ready: ['False', 'NotReady'],
      });
      // kubernaut's fixed words for a timeout and an OOM kill (resolveMarkFailedDetails).
      expect(conditionOf(status, conditionTypes.complete)?.message).toBe(
        {
          DeadlineExceeded: 'Pipeline exceeded timeout deadline',
          OOMKilled: 'Pipeline task killed due to out of memory',
        }[reason as string] ?? 'it failed',
      );
      expect(conditionOf(status, conditionTypes.ready)?.message).toBe('Workflow execution failed');
      expect(status?.failureDetails?.message).toBe('it failed');
    }
  });

  it("BR-WE-006: an execution refused before it started has only ExecutionCreated False, ExecutionCreationFailed whatever the reason (kubernaut's switch matches none of them), and Ready NotReady", () => {
    const reasons: FailureReason[] = [
      'ConfigurationError',
      'UnsupportedEngine',
      'Deduplicated',
      'ResourceLocked',
      'Forbidden',
      'ResourceExhausted',
      'ImagePullBackOff',
      'Unknown',
    ];
    for (const reason of reasons) {
      const status = markFailed(
        wfe(),
        { reason, message: 'refused', wasExecutionFailure: false },
        t0,
      );
      expect(types(status), reason).toEqual({
        ExecutionCreated: ['False', 'ExecutionCreationFailed'],
        Ready: ['False', 'NotReady'],
      });
      // kubernaut's MarkFailedWithReason says PipelineRun for every engine, the Job one too.
      expect(conditionOf(status, conditionTypes.created)?.message).toBe(
        'Failed to create PipelineRun: refused',
      );
      expect(conditionOf(status, conditionTypes.ready)?.message).toBe('Workflow execution failed');
      expect(status?.failureDetails).toMatchObject({ reason, message: 'refused' });
    }
  });

  it("#190: a target another execution holds is ExecutionCreated False in kubernaut's collision words", () => {
    const status = markFailed(
      wfe(),
      {
        reason: 'Deduplicated',
        message: 'Execution resource wfe-1 already exists (target resource locked)',
        wasExecutionFailure: false,
        deduplicatedBy: 'first',
      },
      t0,
    );
    expect(conditionOf(status, conditionTypes.created)).toMatchObject({
      status: 'False',
      reason: 'ExecutionCreationFailed',
      message: 'Execution resource collision (deduplicated by first)',
    });
    expect(status?.deduplicatedBy).toBe('first');
  });

  it.each([
    [
      'started',
      { phase: 'Running' as const },
      { reason: 'TaskFailed' as const, message: 'exit 3', wasExecutionFailure: true },
      'Workflow restart failed: TaskFailed - exit 3',
    ],
    [
      'started, no message',
      { phase: 'Running' as const },
      { reason: 'Unknown' as const, message: '', wasExecutionFailure: false },
      'Workflow restart failed: Unknown - no additional details',
    ],
    [
      // kubernaut UT-WE-1481-005: the failure's own message, not ExecutionComplete's fixed
      // words for a deadline, so `kubectl get events` names what was missing.
      'started, past its deadline',
      { phase: 'Running' as const },
      {
        reason: 'DeadlineExceeded' as const,
        message: 'secret "my-creds" not found',
        wasExecutionFailure: true,
      },
      'Workflow restart failed: DeadlineExceeded - secret "my-creds" not found',
    ],
    [
      'refused',
      undefined,
      { reason: 'ConfigurationError' as const, message: 'spec.x: bad', wasExecutionFailure: false },
      'Pre-execution failure: ConfigurationError - spec.x: bad',
    ],
    [
      'held',
      undefined,
      {
        reason: 'Deduplicated' as const,
        message: 'locked',
        wasExecutionFailure: false,
        deduplicatedBy: 'first',
      },
      'Deduplicated: execution resource collision with first',
    ],
  ])(
    'words the WorkflowFailed Event of an execution %s as kubernaut does',
    (_, status, failure, message) => {
      expect(failedEventMessage(wfe(status), failure, 'restart')).toBe(message);
    },
  );

  it('DD-CONTROLLER-001: every phase transition records the generation it observed, also a failure before any other write', () => {
    const generation = (status: WorkflowExecution['status']) => status?.observedGeneration;
    expect(
      generation(
        markFailed(
          wfe(),
          { reason: 'ConfigurationError', message: 'm', wasExecutionFailure: false },
          t0,
        ),
      ),
    ).toBe(2);
    const completed = markCompleted(running(), result({ phase: 'Completed' }), later(1));
    expect(generation(completed)).toBe(2);
    const bumped = { ...wfe(completed), metadata: { ...wfe().metadata, generation: 3 } };
    expect(generation(markLockReleased(bumped, later(2)))).toBe(3);
  });

  it('WE-H3: a finished execution written without a completion time gets one, so its cooldown still runs in full', () => {
    const failedByHand = wfe({ phase: 'Failed' });
    expect(markCompletionTime(failedByHand, t0)).toEqual({
      phase: 'Failed',
      completionTime: t0Text,
      observedGeneration: 2,
    });
    expect(cooldownRemaining(wfe(markCompletionTime(failedByHand, t0)), 60_000, later(10))).toBe(
      50_000,
    );
    expect(
      markCompletionTime(wfe({ phase: 'Failed', completionTime: t0Text }), later(5)),
    ).toBeUndefined();
    expect(markCompletionTime(running(), later(5))).toBeUndefined();
  });
});
