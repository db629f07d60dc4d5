import { describe, expect, it } from 'vitest';
import { statusNeverWritten, unwrittenStatusFailure } from './unwritten-status.js';

describe('statusNeverWritten', () => {
  it.each([
    ['no status', {}, true],
    [
      'a status without conditions (written by someone else)',
      { status: { startTime: '2026-01-01T00:00:00Z' } },
      true,
    ],
    [
      "Tekton's first condition",
      { status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Started' }] } },
      false,
    ],
    [
      'a pending run',
      {
        status: {
          conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'PipelineRunPending' }],
        },
      },
      false,
    ],
  ])('%s: %s', (_what, run, expected) => {
    expect(statusNeverWritten(run)).toBe(expected);
  });
});

describe('unwrittenStatusFailure', () => {
  it('names the cause, the time waited, the namespace and the fix, as a configuration error', () => {
    expect(unwrittenStatusFailure(120_000, 'workflows')).toEqual({
      reason: 'ConfigurationError',
      description:
        "no Tekton controller has written this PipelineRun's status in the 2m0s since it was created: is Tekton Pipelines installed, and its controller (tekton-pipelines-controller) running and watching namespace workflows?",
    });
  });
});
