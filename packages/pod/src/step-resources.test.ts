import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { stepResources } from './step-resources.js';

const refusal = configurationIssuesOf;

describe('stepResources', () => {
  it('divides every request and limit equally, never past the total', () => {
    const total = {
      limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '1G' },
      requests: { cpu: '500m', memory: '1Gi' },
    };
    expect(stepResources(total, 4, undefined)).toEqual({
      limits: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '250M' },
      requests: { cpu: '125m', memory: '256Mi' },
    });
    // Rounded down to what each resource divides into: a millicore, a byte.
    expect(stepResources(total, 3, undefined)).toEqual({
      limits: { cpu: '666m', memory: '1431655765', 'ephemeral-storage': '333333333' },
      requests: { cpu: '166m', memory: '357913941' },
    });
  });

  it('reads every form of quantity the API server takes', () => {
    const share = (quantity: string, name = 'cpu') =>
      stepResources({ limits: { [name]: quantity } }, 2, undefined)?.limits?.[name];
    expect(share('1.5')).toBe('750m');
    expect(share('.5')).toBe('250m');
    expect(share('3e-1')).toBe('150m');
    expect(share('2e3')).toBe('1000000m');
    expect(share('1E', 'memory')).toBe('500P');
    expect(share('1Ei', 'memory')).toBe('512Pi');
    expect(share('64M', 'memory')).toBe('32M');
  });

  it("names the engine's setting for a quantity it cannot read", () => {
    expect(refusal(() => stepResources({ limits: { cpu: '1 core' } }, 2, undefined))).toEqual([
      {
        path: 'resources.limits.cpu',
        message: '"1 core" is not a quantity such as "500m", "2" or "1Gi"',
      },
    ]);
  });

  it('gives whole pages of hugepages and whole devices of extended resources', () => {
    const total = { limits: { 'hugepages-2Mi': '10Mi', 'example.com/gpu': '4' } };
    expect(stepResources(total, 3, undefined)?.limits).toEqual({
      'hugepages-2Mi': '2Mi',
      'example.com/gpu': '1',
    });
  });

  it('gives a step that runs alone the quantities as they are, and no resources none', () => {
    const total = { limits: { cpu: '1', memory: '0.5Gi' }, requests: { cpu: '1m' } };
    expect(stepResources(total, 1, undefined)).toEqual(total);
    expect(stepResources(undefined, 5, undefined)).toBeUndefined();
  });

  it('refuses a step that runs alone a limit too small to run in, as it refuses a share', () => {
    expect(refusal(() => stepResources({ limits: { memory: '8Mi' } }, 1, undefined))).toEqual([
      {
        path: 'resources.limits.memory',
        message:
          "each step gets the Pod's 8Mi of memory, less than the 12Mi a container can run with; give the Pod more memory",
      },
    ]);
    const asked = { limits: { cpu: '5m' } };
    expect(refusal(() => stepResources({ limits: { cpu: '5m' } }, 1, asked))[0]?.path).toBe(
      'spec.workflowRef.resources.limits.cpu',
    );
    expect(
      refusal(() => stepResources({ limits: { 'hugepages-2Mi': '1Mi' } }, 1, undefined))[0]
        ?.message,
    ).toMatch(/less than the 2Mi a container can run with/);
  });

  it('leaves a limit of 0, no limit at all to the kubelet, whether steps share it or not', () => {
    const total = { limits: { memory: '0', cpu: '0' } };
    expect(stepResources(total, 1, undefined)).toEqual(total);
    expect(stepResources(total, 3, undefined)).toEqual({ limits: { memory: '0', cpu: '0m' } });
  });

  it('refuses a share too small to run in, naming where the total came from', () => {
    // 100 steps in 256Mi: 2.56Mi each, less than a runtime needs to start a container.
    expect(refusal(() => stepResources({ limits: { memory: '256Mi' } }, 100, undefined))).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.parallel',
        message:
          "parallel steps share the Pod's 256Mi of memory: 100 steps leave each 2684354, less than the 12Mi a container can run with; run fewer steps at once, run them in order, or give the Pod more memory",
      },
    ]);
    const asked = { limits: { cpu: '100m' } };
    expect(refusal(() => stepResources({ limits: { cpu: '100m' } }, 20, asked))).toEqual([
      {
        path: 'spec.workflowRef.resources.limits.cpu',
        message: expect.stringMatching(
          /^parallel steps share the Pod's 100m of cpu: 20 steps leave each 5m, less than the 10m/,
        ),
      },
    ]);
    // One GPU cannot be split: no step would get a device.
    expect(
      refusal(() => stepResources({ limits: { 'example.com/gpu': '1' } }, 2, undefined))[0]?.path,
    ).toBe('spec.workflowRef.engineConfig.parallel');
    // A request may round down to nothing: it only weighs in scheduling.
    expect(stepResources({ requests: { cpu: '1m' } }, 2, undefined)).toEqual({
      requests: { cpu: '0m' },
    });
  });
});
