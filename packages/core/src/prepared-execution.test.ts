import { describe, expect, it } from 'vitest';
import { remoteClusterMessage } from './cluster-scope.js';
import { preparedExecution, withTimesOutAt } from './prepared-execution.js';
import { sampleExecution } from './testing/sample-execution.js';

const now = new Date('2026-12-02T10:00:00Z');

describe('withTimesOutAt', () => {
  const until = (timesOutAt: string, timeout?: string) =>
    sampleExecution({
      spec: {
        ...sampleExecution().spec,
        timesOutAt,
        ...(timeout ? { executionConfig: { timeout } } : {}),
      },
    });

  it('ends the timeout by timesOutAt, in whole seconds from now', () => {
    expect(withTimesOutAt(until('2026-12-02T10:30:00.500Z'), now).spec.executionConfig).toEqual({
      timeout: '1801s',
    });
    expect(withTimesOutAt(until('2026-12-02T10:30:00Z', '2h'), now).spec.executionConfig).toEqual({
      timeout: '1800s',
    });
  });

  it('keeps a shorter timeout, and leaves an execution without timesOutAt alone', () => {
    const shorter = until('2026-12-02T10:30:00Z', '10m');
    expect(withTimesOutAt(shorter, now)).toBe(shorter);
    const plain = sampleExecution();
    expect(withTimesOutAt(plain, now)).toBe(plain);
  });

  it('refuses a deadline further away than any engine could wait, naming it', () => {
    expect(() => withTimesOutAt(until('2500-01-01T00:00:00Z'), now)).toThrow(
      expect.objectContaining({
        reason: 'ConfigurationError',
        issues: [expect.objectContaining({ path: 'spec.timesOutAt' })],
      }),
    );
  });

  it('gives a deadline already past one second, as kubernaut does', () => {
    expect(withTimesOutAt(until('2026-12-01T00:00:00Z'), now).spec.executionConfig?.timeout).toBe(
      '1s',
    );
  });
});

describe("withTimesOutAt and the engine's default timeout", () => {
  const execution = (timesOutAt?: string, timeout?: string) =>
    sampleExecution({
      spec: {
        ...sampleExecution().spec,
        ...(timesOutAt ? { timesOutAt } : {}),
        ...(timeout ? { executionConfig: { timeout } } : {}),
      },
    });
  const timeoutOf = (wfe: ReturnType<typeof execution>, defaultTimeout: string) =>
    withTimesOutAt(wfe, now, { defaultTimeout }).spec.executionConfig?.timeout;

  it('leaves an execution without timesOutAt to the default', () => {
    expect(timeoutOf(execution(), '1h')).toBeUndefined();
  });

  it('ends the default by a nearer timesOutAt', () => {
    expect(timeoutOf(execution('2026-12-02T10:20:00Z'), '1h')).toBe('1200s');
  });

  it('leaves the spec without a timeout when the default ends before timesOutAt, so the engine applies it', () => {
    const far = execution('2026-12-03T06:00:00Z');
    expect(withTimesOutAt(far, now, { defaultTimeout: '1h' })).toBe(far);
    expect(timeoutOf(far, '1h')).toBeUndefined();
  });

  it('ignores the default under an explicit timeout, shorter or longer, as without one', () => {
    expect(timeoutOf(execution('2026-12-03T06:00:00Z', '10m'), '1h')).toBe('10m');
    expect(timeoutOf(execution('2026-12-03T06:00:00Z', '30h'), '1h')).toBe('72000s');
    expect(timeoutOf(execution('2026-12-02T10:20:00Z', '10m'), '1m')).toBe('10m');
  });

  it('gives a deadline already past one second, whatever the default', () => {
    expect(timeoutOf(execution('2026-12-01T00:00:00Z'), '1h')).toBe('1s');
  });

  it('names a default that is no positive Go duration', () => {
    expect(() => timeoutOf(execution('2026-12-03T06:00:00Z'), '0')).toThrow(
      expect.objectContaining({
        reason: 'ConfigurationError',
        issues: [expect.objectContaining({ path: 'defaultTimeout' })],
      }),
    );
  });
});

describe('preparedExecution', () => {
  const declaring = (names: Record<string, boolean> | null) =>
    sampleExecution({
      spec: {
        ...sampleExecution().spec,
        workflowRef: { ...sampleExecution().spec.workflowRef, declaredParameterNames: names },
      },
    });

  it("drops parameters the spec's declaredParameterNames does not declare true, naming them", () => {
    const { wfe, warnings } = preparedExecution(
      declaring({ REPLICAS: true, MODE: false }),
      {},
      now,
    );
    expect(wfe.spec.parameters).toEqual({ REPLICAS: '3' });
    expect(warnings).toEqual([expect.stringContaining('MODE')]);
    expect(warnings.join()).not.toContain('fast');
  });

  it('passes every parameter when no schema is known, none when the schema declares none', () => {
    expect(preparedExecution(declaring(null), {}, now).wfe.spec.parameters).toEqual({
      REPLICAS: '3',
      MODE: 'fast',
    });
    expect(preparedExecution(declaring({}), {}, now).wfe.spec.parameters).toEqual({});
  });

  it("ends the timeout by timesOutAt or the engine's default, whichever comes first", () => {
    const until = (timesOutAt: string) =>
      sampleExecution({ spec: { ...sampleExecution().spec, timesOutAt } });
    const far = preparedExecution(until('2026-12-03T06:00:00Z'), { defaultTimeout: '1h' }, now);
    expect(far.wfe.spec.executionConfig).toBeUndefined();
    const near = preparedExecution(until('2026-12-02T10:20:00Z'), { defaultTimeout: '1h' }, now);
    expect(near.wfe.spec.executionConfig).toEqual({ timeout: '1200s' });
  });

  it('keeps only parameters both the spec and the caller declare', () => {
    const { wfe } = preparedExecution(
      declaring({ REPLICAS: true, MODE: true }),
      { declaredParameterNames: ['MODE'] },
      now,
    );
    expect(wfe.spec.parameters).toEqual({ MODE: 'fast' });
  });
});

describe('remote clusters', () => {
  const remote = (clusterID: string) =>
    sampleExecution({ spec: { ...sampleExecution().spec, clusterID } });

  it('refuses an execution for another cluster before anything is built, naming the field and the cluster', () => {
    expect(() => preparedExecution(remote('spoke-1'), {})).toThrow(
      expect.objectContaining({
        reason: 'ConfigurationError',
        issues: [
          {
            path: 'spec.clusterID',
            message: expect.stringMatching(/^the "job" engine runs .*cluster "spoke-1"/),
          },
        ],
      }),
    );
    expect(preparedExecution(remote(''), {}).wfe.spec.clusterID).toBe('');
  });

  it('quotes a hostile cluster name escaped and cut short', () => {
    expect(remoteClusterMessage(`a"\n${'x'.repeat(100)}`, 'job')).toContain(
      `cluster "a\\"\\n${'x'.repeat(61)}…"`,
    );
    expect(remoteClusterMessage(undefined, 'job')).toBeUndefined();
  });
});
