import {
  ConfigurationError,
  ExecutionForbiddenError,
  roundhouseConventions,
} from '@roundhouse/core';
import { buildJob } from '@roundhouse/job';
import { describe, expect, it } from 'vitest';
import { inActionTerms } from './action-fields.js';
import { attemptExecution } from './attempt.js';
import { engineCallFailure } from './failure.js';
import type { TaskAction } from './spec.js';
import { taskAction } from './task-action.test-support.js';
import { taskCommand } from './task-executor.js';

const action = (template: Partial<TaskAction['spec']['taskTemplate']>, envVars = {}): TaskAction =>
  taskAction({
    metadata: { name: 'big' },
    spec: { inputUri: 's3://bucket/in', runOutputBase: 's3://bucket/out', envVars },
    template,
  });

/** What the job engine throws building the attempt's Job, if anything. */
function jobRefusal(subject: TaskAction): unknown {
  try {
    buildJob(attemptExecution(subject, 1, 'job'), 'flyte-jobs', undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      securityProfile: 'restricted',
      containerCommand: taskCommand,
    });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('inActionTerms', () => {
  it("names the TaskAction's fields for a Job too large to store, not the attempt's spec.parameters", () => {
    // 1.2 MB of "$" fits in the TaskAction; doubled for the kubelet, not in the Job. Each
    // variable stays within the kernel's limit on one exec string, which is checked first.
    const env = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`BLOB_${i}`, '$'.repeat(120_000)]),
    );
    const subject = action({ env });
    const refused = jobRefusal(subject);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues[0]?.path).toBe('spec.parameters');
    const failure = engineCallFailure(inActionTerms(refused, subject.spec));
    expect(failure).toMatchObject({ kind: 'USER', code: 'ConfigurationError', retryable: false });
    expect(failure?.message).toMatch(/^spec\.taskTemplate: make a Job of \d+ bytes/);
    expect(failure?.message).not.toContain('spec.parameters');
  });

  it('names each variable where the author set it, and the image, timeout, command and args', () => {
    const { spec } = action({ env: { MODE: 'x' } }, { RUN: 'y' });
    const renamed = inActionTerms(
      new ConfigurationError([
        { path: 'spec.parameters.MODE', message: 'a' },
        { path: 'spec.parameters.RUN', message: 'b' },
        { path: 'spec.parameters.TASK_ATTEMPT', message: 'c' },
        { path: 'spec.workflowRef.executionBundle', message: 'd' },
        { path: 'spec.executionConfig.timeout', message: 'e' },
        { path: 'spec.workflowRef.engineConfig.args.2', message: 'f' },
        { path: 'spec.workflowRef.engineConfig.command', message: 'g' },
      ]),
      spec,
    ) as ConfigurationError;
    expect(renamed.issues.map((i) => i.path)).toEqual([
      'spec.taskTemplate.env.MODE',
      'spec.envVars.RUN',
      'spec.parameters.TASK_ATTEMPT',
      'spec.taskTemplate.image',
      'spec.taskTemplate.timeout',
      'spec.taskTemplate.args.2',
      'spec.taskTemplate.command',
    ]);
    const forbidden = inActionTerms(
      new ExecutionForbiddenError('spec.workflowRef.executionBundle', 'not allowed'),
      spec,
    );
    expect(forbidden).toBeInstanceOf(ExecutionForbiddenError);
    expect((forbidden as Error).message).toBe('spec.taskTemplate.image: not allowed');
    const other = new Error('boom');
    expect(inActionTerms(other, spec)).toBe(other);
  });
});
