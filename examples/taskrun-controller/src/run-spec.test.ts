import { configurationIssuesOf } from '@roundhouse/core/testing';
import type { TaskRunSpec } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { runSettings } from './run-spec.js';

const spec = (taskRef: string, timeout?: string): TaskRunSpec => ({
  taskRef: { name: taskRef },
  ...(timeout ? { timeout } : {}),
});

const issuesOf = (run: TaskRunSpec) =>
  configurationIssuesOf(() => runSettings(run)).map((issue) => issue.path);

describe('runSettings', () => {
  it("gives the run's timeout in milliseconds, or the operator's default", () => {
    expect(runSettings(spec('build.v2', '1m30s'))).toEqual({ timeout: '1m30s', timeoutMs: 90_000 });
    expect(runSettings(spec('build'))).toEqual({ timeout: '1h', timeoutMs: 3_600_000 });
    const limits = { defaultTimeout: '10m', maxTimeout: '2h' };
    expect(runSettings(spec('build'), limits)).toEqual({ timeout: '10m', timeoutMs: 600_000 });
  });

  it('refuses a timeout longer than the operator allows, naming the field and the flag', () => {
    expect(() => runSettings(spec('build', '25h'))).toThrow(
      /^spec\.timeout: must be at most 24h, .*\(--max-timeout\)/,
    );
    const limits = { defaultTimeout: '10m', maxTimeout: '2h' };
    expect(runSettings(spec('build', '2h'), limits).timeoutMs).toBe(7_200_000);
    expect(() => runSettings(spec('build', '2h0m1s'), limits)).toThrow(/at most 2h/);
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
