import { describe, expect, it } from 'vitest';
import { pipelineRunResult } from './status.js';

/**
 * Every reason Tekton v1.15 gives a PipelineRun's `Succeeded` condition (pipelinerun_types.go
 * `PipelineRunReason*`, with the two pipelinerun.go sets from volumeclaim and
 * affinity_assistant.go, and `ResolvingTaskRef`), under the status Tekton sets it with.
 */
const finalReasons: readonly [reason: string, failureReason: string | undefined][] = [
  // Stopped on request (spec.status Cancelled, CancelledRunFinally or StoppedRunFinally).
  ['Cancelled', undefined],
  ['PipelineRunTimeout', 'DeadlineExceeded'],
  // A task failed; with no failed TaskRun read, the run's start says a task ran.
  ['Failed', 'TaskFailed'],
  // Resolved only once every task finished: the tasks ran.
  ['CouldntGetPipelineResult', 'TaskFailed'],
  ['CouldntGetPipeline', 'ConfigurationError'],
  ['InvalidPipelineResourceBindings', 'ConfigurationError'],
  ['InvalidWorkspaceBindings', 'ConfigurationError'],
  ['InvalidTaskRunSpecs', 'ConfigurationError'],
  ['ParameterTypeMismatch', 'ConfigurationError'],
  ['ObjectParameterMissKeys', 'ConfigurationError'],
  ['ParamArrayIndexingInvalid', 'ConfigurationError'],
  ['CouldntGetTask', 'ConfigurationError'],
  ['ParameterMissing', 'ConfigurationError'],
  ['PipelineValidationFailed', 'ConfigurationError'],
  ['PipelineInvalidGraph', 'ConfigurationError'],
  ['InvalidMatrixParameterTypes', 'ConfigurationError'],
  ['InvalidTaskResultReference', 'ConfigurationError'],
  ['InvalidPipelineResultReference', 'ConfigurationError'],
  ['RequiredWorkspaceMarkedOptional', 'ConfigurationError'],
  ['ResourceVerificationFailed', 'ConfigurationError'],
  ['CreateRunFailed', 'ConfigurationError'],
  ['CELEvaluationFailed', 'ConfigurationError'],
  ['InvalidParamValue', 'ConfigurationError'],
  ['CouldntCreateWorkspacePVC', 'ConfigurationError'],
  ['ReasonCouldntCreateOrUpdateAffinityAssistantStatefulSet', 'ConfigurationError'],
];

const completedReasons = ['Succeeded', 'Completed'];

const runningReasons = [
  'Started',
  'Running',
  'PipelineRunPending',
  'PipelineRunStopping',
  'PipelineRunTimeoutRunningFinally',
  'CancelledRunningFinally',
  'StoppedRunningFinally',
  'PipelineRunCouldntCancel',
  'PipelineRunCouldntTimeOut',
  'ResolvingPipelineRef',
  // A TaskRun reason Tekton also gives the run while a task's remote Task resolves (pipelinerun.go).
  'ResolvingTaskRef',
];

/** A run Tekton has started (it gives every run its start time on its first pass), no child yet. */
const started = (status: string, reason: string) => ({
  status: {
    conditions: [{ type: 'Succeeded', status, reason, message: 'm' }],
    startTime: '2026-12-05T10:00:00Z',
  },
});

describe("Tekton's PipelineRun reasons", () => {
  it.each(finalReasons)('fails a run ended %s, classed %s', (reason, failureReason) => {
    const result = pipelineRunResult(started('False', reason));
    expect(result).toMatchObject({ phase: 'Failed', reason });
    expect(result.failureReason).toBe(failureReason);
  });

  it.each(completedReasons)('completes a run ended %s', (reason) => {
    expect(pipelineRunResult(started('True', reason))).toMatchObject({
      phase: 'Completed',
      reason,
    });
  });

  it.each(runningReasons)('keeps a run %s running', (reason) => {
    const result = pipelineRunResult(started('Unknown', reason));
    expect(result).toMatchObject({ phase: 'Running', reason });
    expect(result).not.toHaveProperty('failureReason');
  });
});
