import { maxObjectBytes, storedObjectBytes } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import type { TaskRunStatus } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { maxParams, maxParamValueChars, statusWithin, timeoutMaxLength } from './run-size.js';

const now = new Date('2026-03-01T10:00:00Z');

const running: TaskRunStatus = {
  phase: 'Running',
  reason: 'StepRunning',
  message: 'running step build (1/1)',
  podName: 'wfe-0123456789abcdef',
  startTime: '2026-03-01T09:59:00Z',
  stepStatuses: [{ name: 'build', state: 'Running', startedAt: '2026-03-01T09:59:01Z' }],
};

/** The largest run the CRD admits: every param, every name and value at its longest, in `<`s. */
function largestRun(): KubeObject {
  const name = (i: number) => `p${String(i).padStart(62, '_')}`;
  const valueChars = Math.floor(maxParamValueChars / maxParams);
  const params = Array.from({ length: maxParams }, (_, i) => ({
    name: name(i),
    value: '<'.repeat(valueChars),
  }));
  // What the API server records of its creator's fields: a line per param of the list map.
  const paramFields = Object.fromEntries(
    params.map((p) => [`k:{"name":"${p.name}"}`, { '.': {}, 'f:name': {}, 'f:value': {} }]),
  );
  const run = {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'TaskRun',
    metadata: {
      name: 'r'.repeat(253),
      namespace: 'n'.repeat(63),
      uid: '01234567-89ab-cdef-0123-456789abcdef',
      resourceVersion: '123456789',
      generation: 1,
      creationTimestamp: '2026-03-01T09:58:00Z',
      // The most annotations the API server accepts, all of them one value.
      annotations: { a: '<'.repeat(Math.floor(262_144 / 6)) },
      managedFields: [
        {
          manager: 'kubectl-create',
          operation: 'Update',
          apiVersion: 'roundhouse.dev/v1alpha1',
          time: '2026-03-01T09:58:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:annotations': { '.': {}, 'f:a': {} } },
            'f:spec': {
              '.': {},
              'f:params': paramFields,
              'f:taskRef': { '.': {}, 'f:name': {} },
              'f:timeout': {},
            },
          },
        },
      ],
    },
    spec: {
      taskRef: { name: 't'.repeat(253) },
      params,
      timeout: '<'.repeat(timeoutMaxLength),
    },
  };
  // KubeObject's metadata leaves managedFields out: no writer of Roundhouse sends them.
  return run as KubeObject;
}

describe('statusWithin', () => {
  const small: KubeObject = { metadata: { name: 'r', namespace: 'n' }, spec: {} };

  it('keeps a status the run can hold', () => {
    expect(statusWithin(small, running, now)).toBe(running);
    expect(statusWithin(small, undefined, now)).toBeUndefined();
  });

  it("fails a run whose status would not fit, keeping its Pod and start but not the Pod's output", () => {
    const output = 'E'.repeat(800_000);
    const failed: TaskRunStatus = {
      ...running,
      phase: 'Failed',
      message: `step build failed: ${output}`,
      stepStatuses: [{ name: 'build', state: 'Failed', exitCode: 1, message: output }],
    };
    const written = statusWithin(small, failed, now);
    expect(written).toEqual({
      phase: 'Failed',
      reason: 'StatusTooLarge',
      message: expect.stringMatching(
        /^the run's status would make it \d+ bytes, more than the 1572864 the API server can store: /,
      ),
      podName: running.podName,
      startTime: running.startTime,
      completionTime: '2026-03-01T10:00:00Z',
    });
  });

  it('leaves room for the failure on the largest run the CRD admits, whatever status it grew', () => {
    const run = largestRun();
    expect(storedObjectBytes(run)).toBeGreaterThan(1_300_000);
    const huge = { ...running, message: 'E'.repeat(400_000) };
    const written = statusWithin(run, huge, now);
    expect(written?.reason).toBe('StatusTooLarge');
    // The failure fits, with the writer's own managedFields entry.
    expect(statusWithin(run, written, now)).toBe(written);
    expect(storedObjectBytes({ ...run, status: written })).toBeLessThan(maxObjectBytes);
  });

  it('counts what Go escapes: `<`, `>` and `&` take six bytes each', () => {
    const sized = (v: string) =>
      storedObjectBytes({ metadata: { managedFields: [] }, spec: { v } } as never);
    expect(sized('<>&')).toBe(sized('abc') + 15);
    expect(sized('é')).toBe(sized('e') + 1);
  });

  it("estimates managedFields on the cache's copies, which have none, at least as large as the API server's", () => {
    const run = largestRun();
    const { managedFields: _, ...metadata } = run.metadata as Record<string, unknown>;
    expect(storedObjectBytes({ ...run, metadata })).toBeGreaterThanOrEqual(storedObjectBytes(run));
  });
});
