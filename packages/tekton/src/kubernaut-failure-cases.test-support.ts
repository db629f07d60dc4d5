import type { FailureReason } from '@roundhouse/core';

/**
 * kubernaut's failure_classification_integration_test.go, case by case: a PipelineRun with
 * only a `Succeeded=False` condition (the reason and message) and, for "started", a start time;
 * no TaskRuns. With kubernaut's class (its preset's) and the roundhouse preset's (undefined:
 * none, which controllers read as Unknown).
 */
export const kubernautFailureCases: ReadonlyArray<
  readonly [
    reason: string,
    message: string,
    started: boolean,
    kubernaut: FailureReason,
    roundhouse: FailureReason | undefined,
  ]
> = [
  ['TaskRunFailed', 'task failed with exit code 1', true, 'TaskFailed', 'TaskFailed'],
  ['TaskRunFailed', 'task failed: OOMKilled', true, 'OOMKilled', 'TaskFailed'],
  [
    'PipelineRunTimeout',
    'PipelineRun exceeded timeout of 10 minutes',
    true,
    'DeadlineExceeded',
    'DeadlineExceeded',
  ],
  [
    'TaskRunFailed',
    'task failed: pods is forbidden: User cannot create resource',
    true,
    'Forbidden',
    'TaskFailed',
  ],
  [
    'TaskRunCreationFailed',
    'exceeded quota: compute resources',
    false,
    'ResourceExhausted',
    undefined,
  ],
  [
    'TaskRunValidationFailed',
    'invalid configuration: missing required parameter',
    false,
    'ConfigurationError',
    'ConfigurationError',
  ],
  [
    'TaskRunImagePullFailed',
    'Failed to pull image: image pull backoff',
    false,
    'ImagePullBackOff',
    'ImagePullBackOff',
  ],
  ['PipelineRunFailed', 'unexpected error occurred', false, 'Unknown', undefined],
];
