import { ConfigurationError } from '@roundhouse/core';
import type { TaskRunSpec } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { runSettings } from './run-spec.js';

const spec = (taskRef: string, timeout?: string): TaskRunSpec => ({
  taskRef: { name: taskRef },
  ...(timeout ? { timeout } : {}),
});

function issuesOf(run: TaskRunSpec) {
  try {
    runSettings(run);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
}

describe('runSettings', () => {
  it('gives the timeout in milliseconds, or none', () => {
    expect(runSettings(spec('build.v2', '1m30s'))).toEqual({ timeoutMs: 90_000 });
    expect(runSettings(spec('build'))).toEqual({ timeoutMs: undefined });
  });

  it.each(['.', '..', 'Build', 'a/b', 'build?watch=true', '-build', 'x'.repeat(254)])(
    'refuses the Task name %j, which no object can have',
    (name) => {
      expect(issuesOf(spec(name))).toEqual(['spec.taskRef.name']);
    },
  );

  it('names every bad field at once', () => {
    expect(() => runSettings(spec('.', '600000h'))).toThrow(
      /^spec\.taskRef\.name: "\." cannot name a Task: .*; spec\.timeout: must be at most/,
    );
  });
});
