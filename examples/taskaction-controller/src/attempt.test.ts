import { executionResourceName, parseWorkflowExecution } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { actionKeyOf, attemptExecution, outputPrefix } from './attempt.js';
import { taskAction } from './task-action.test-support.js';

const action = taskAction({
  metadata: { generation: 1 },
  spec: { envVars: { SHARED: 'run', RUN_ONLY: 'yes' }, runOutputBase: 's3://bucket/run1/' },
  template: {
    command: ['python'],
    args: ['-m', 'task'],
    env: { MODE: 'fast', SHARED: 'template' },
    timeout: '10m',
  },
});

describe('attemptExecution', () => {
  it('is a valid WorkflowExecution named <action>-<retry index>, owned by the action uid', () => {
    const wfe = parseWorkflowExecution(attemptExecution(action, 1, 'job'));
    expect(wfe.metadata).toEqual({ name: 'run1-a0-0', namespace: 'flyte', uid: 'u1' });
    expect(wfe.spec).toMatchObject({
      targetResource: 'flyte/taskaction/run1-a0-0',
      executionEngine: 'job',
      executionConfig: { timeout: '10m' },
      workflowRef: {
        executionBundle: 'registry.invalid/task:1',
        engineConfig: { command: ['python'], args: ['-m', 'task'] },
      },
    });
  });

  it('gives each attempt its own lock, so the next attempt never waits for the last', () => {
    const names = [1, 2, 3].map((n) =>
      executionResourceName(attemptExecution(action, n, 'job').spec.targetResource),
    );
    expect(new Set(names).size).toBe(3);
  });

  it("passes the environment: the run's, the template's over it, then the attempt's own", () => {
    expect(attemptExecution(action, 1, 'job').spec.parameters).toEqual({
      RUN_ONLY: 'yes',
      SHARED: 'template',
      MODE: 'fast',
      TASK_ATTEMPT: '1',
      TASK_INPUT_URI: 's3://bucket/run1/inputs.pb',
      TASK_OUTPUT_PREFIX: 's3://bucket/run1/a0/1',
    });
    expect(attemptExecution(action, 3, 'job').spec.parameters).toMatchObject({
      TASK_ATTEMPT: '3',
      TASK_OUTPUT_PREFIX: 's3://bucket/run1/a0/3',
      TASK_PREVIOUS_CHECKPOINT: 's3://bucket/run1/a0/2/checkpoint',
    });
    expect(attemptExecution(action, 3, 'job').metadata.name).toBe('run1-a0-2');
  });
});

describe('actionKeyOf', () => {
  it("maps an attempt's owner key back to its action", () => {
    expect(actionKeyOf('flyte/run1-a0-12')).toBe('flyte/run1-a0');
    expect(actionKeyOf('flyte/not-an-attempt')).toBeUndefined();
  });
});

describe('outputPrefix', () => {
  it('joins the base without its trailing slashes', () => {
    expect(outputPrefix({ runOutputBase: 's3://bucket/run1///', actionName: 'a0' }, 2)).toBe(
      's3://bucket/run1/a0/2',
    );
    expect(outputPrefix({ runOutputBase: '///', actionName: 'a0' }, 1)).toBe('/a0/1');
  });

  it('takes linear time on a long run of slashes, so one action cannot stall the controller', () => {
    // A quadratic trim took over 3 s on this input; every event of the action ran it.
    const runOutputBase = `${'/'.repeat(100_000)}x`;
    const started = performance.now();
    expect(outputPrefix({ runOutputBase, actionName: 'a0' }, 1)).toHaveLength(100_006);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
