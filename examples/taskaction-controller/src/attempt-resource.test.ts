import {
  conventionKeys,
  executionResourceName,
  type Registry,
  roundhouseConventions,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { attemptExecution } from './attempt.js';
import { attemptResourceConflict, attemptResourceState } from './attempt-resource.js';
import { taskAction } from './task-action.test-support.js';
import { taskJobExecutor } from './task-executor.js';

const keys = conventionKeys(roundhouseConventions);
const executor = taskJobExecutor({} as never) as ReturnType<Registry['get']>;
const wfe = attemptExecution({ ...taskAction(), status: {} }, 1, 'job');
const jobName = executionResourceName(wfe.spec.targetResource, 'wfe-');
const signal = new AbortController().signal;

/** A Job under the attempt's name whose labels name `owner` and which records `uid`. */
function job(owner: string, uid?: string, deleting = false): KubeObject {
  return {
    metadata: {
      name: jobName,
      namespace: 'exec',
      uid: 'job-uid',
      labels: { [keys.workflowExecutionLabel]: owner, [keys.sourceNamespaceLabel]: 'flyte' },
      annotations: uid ? { [keys.workflowExecutionUidAnnotation]: uid } : {},
      ...(deleting ? { deletionTimestamp: '2026-03-01T10:00:00Z' } : {}),
    },
  };
}

const readerOf = (object: KubeObject | null) => ({ get: async () => object }) as never;

describe('attemptResourceState', () => {
  it("tells the attempt's own Job from a look-alike under its name that records another uid", async () => {
    const state = (o: KubeObject | null) =>
      attemptResourceState(executor, wfe, 'exec', readerOf(o), signal);
    expect(await state(job('run1-a0-0', 'u1'))).toBe('present');
    expect(await state(job('run1-a0-0', 'forged'))).toBe('foreign');
    expect(await state(job('run1-a0-0'))).toBe('foreign');
    expect(await state(job('run1-a0-0', 'forged', true))).toBe('deleting');
    expect(await state(null)).toBe('absent');
  });
});

describe('attemptResourceConflict', () => {
  const conflict = (o: KubeObject | null) =>
    attemptResourceConflict(executor, wfe, 'exec', readerOf(o), signal);

  it('is a permanent SYSTEM ResourceConflict naming the Job, for a look-alike that names this attempt', async () => {
    expect(await conflict(job('run1-a0-0', 'forged'))).toEqual({
      kind: 'SYSTEM',
      code: 'ResourceConflict',
      retryable: false,
      message: `Job exec/${jobName}, the name of this attempt's execution, is held by an object this action does not own (its labels name this attempt, but it does not record the uid of this action); it is neither adopted nor deleted: remove it, then create the action again`,
    });
  });

  it('names the attempt another object claims to be', async () => {
    expect((await conflict(job('run2-a0-0', 'u2')))?.message).toContain(
      'its labels name TaskAction attempt flyte/run2-a0-0',
    );
  });

  it("is none for the attempt's own Job, a free name, or an object on its way out", async () => {
    expect(await conflict(job('run1-a0-0', 'u1'))).toBeUndefined();
    expect(await conflict(null)).toBeUndefined();
    expect(await conflict(job('run2-a0-0', 'u2', true))).toBeUndefined();
  });
});
