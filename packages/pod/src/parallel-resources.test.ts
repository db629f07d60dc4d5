import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { parallelShare } from './parallel-resources.js';

const refusal = configurationIssuesOf;

describe('parallelShare', () => {
  it('divides every request and limit equally, never past the total', () => {
    const total = {
      limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '1G' },
      requests: { cpu: '500m', memory: '1Gi' },
    };
    expect(parallelShare(total, 4, undefined)).toEqual({
      limits: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '250M' },
      requests: { cpu: '125m', memory: '256Mi' },
    });
    // Rounded down to what each resource divides into: a millicore, a byte.
    expect(parallelShare(total, 3, undefined)).toEqual({
      limits: { cpu: '666m', memory: '1431655765', 'ephemeral-storage': '333333333' },
      requests: { cpu: '166m', memory: '357913941' },
    });
  });

  it('reads every form of quantity the API server takes', () => {
    const share = (quantity: string, name = 'cpu') =>
      parallelShare({ limits: { [name]: quantity } }, 2, undefined)?.limits?.[name];
    expect(share('1.5')).toBe('750m');
    expect(share('.5')).toBe('250m');
    expect(share('3e-1')).toBe('150m');
    expect(share('2e3')).toBe('1000000m');
    expect(share('1E', 'memory')).toBe('500P');
    expect(share('1Ei', 'memory')).toBe('512Pi');
    expect(share('64M', 'memory')).toBe('32M');
  });

  it("names the engine's setting for a quantity it cannot read", () => {
    expect(refusal(() => parallelShare({ limits: { cpu: '1 core' } }, 2, undefined))).toEqual([
      {
        path: 'resources.limits.cpu',
        message: '"1 core" is not a quantity such as "500m", "2" or "1Gi"',
      },
    ]);
  });

  it('gives whole pages of hugepages and whole devices of extended resources', () => {
    const total = { limits: { 'hugepages-2Mi': '10Mi', 'example.com/gpu': '4' } };
    expect(parallelShare(total, 3, undefined)?.limits).toEqual({
      'hugepages-2Mi': '2Mi',
      'example.com/gpu': '1',
    });
  });

  it('leaves one step, or no resources, as they are', () => {
    const total = { limits: { cpu: '1' } };
    expect(parallelShare(total, 1, undefined)).toBe(total);
    expect(parallelShare(undefined, 5, undefined)).toBeUndefined();
  });

  it('refuses a share too small to run in, naming where the total came from', () => {
    // 100 steps in 256Mi: 2.56Mi each, less than a runtime needs to start a container.
    expect(refusal(() => parallelShare({ limits: { memory: '256Mi' } }, 100, undefined))).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.parallel',
        message:
          "parallel steps share the Pod's 256Mi of memory: 100 steps leave each 2684354, less than the 12Mi a container can run with; run fewer steps at once, run them in order, or give the Pod more memory",
      },
    ]);
    const asked = { limits: { cpu: '100m' } };
    expect(refusal(() => parallelShare({ limits: { cpu: '100m' } }, 20, asked))).toEqual([
      {
        path: 'spec.workflowRef.resources.limits.cpu',
        message: expect.stringMatching(
          /^parallel steps share the Pod's 100m of cpu: 20 steps leave each 5m, less than the 10m/,
        ),
      },
    ]);
    // One GPU cannot be split: no step would get a device.
    expect(
      refusal(() => parallelShare({ limits: { 'example.com/gpu': '1' } }, 2, undefined))[0]?.path,
    ).toBe('spec.workflowRef.engineConfig.parallel');
    // A request may round down to nothing: it only weighs in scheduling.
    expect(parallelShare({ requests: { cpu: '1m' } }, 2, undefined)).toEqual({
      requests: { cpu: '0m' },
    });
  });
});
