import { describe, expect, it } from 'vitest';
import { runsOn } from './node-eligibility.js';
import { parseToleration } from './tolerations.js';

const node = (spec: Record<string, unknown> = {}, ready: string | null = 'True') => ({
  metadata: { name: 'n' },
  spec,
  status: ready === null ? {} : { conditions: [{ type: 'Ready', status: ready }] },
});
const tolerating = (...texts: string[]) =>
  texts.map((text) => {
    const toleration = parseToleration(text);
    if (!toleration) throw new Error(`no toleration: ${text}`);
    return toleration;
  });

describe('runsOn', () => {
  it('takes a Ready, uncordoned node whose taints keep no pod off', () => {
    expect(runsOn(node(), [])).toBe(true);
    expect(runsOn(node({ taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }), [])).toBe(true);
  });

  it('keeps off a control-plane, GPU or dedicated node unless the operator tolerates its taint', () => {
    const controlPlane = node({
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    expect(runsOn(controlPlane, [])).toBe(false);
    expect(
      runsOn(controlPlane, tolerating('node-role.kubernetes.io/control-plane:NoSchedule')),
    ).toBe(true);
    const gpu = node({ taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] });
    expect(runsOn(gpu, tolerating('dedicated=batch:NoExecute'))).toBe(false);
    expect(runsOn(gpu, tolerating('dedicated=gpu:NoSchedule'))).toBe(false);
    expect(runsOn(gpu, tolerating('dedicated=gpu:NoExecute'))).toBe(true);
    expect(runsOn(gpu, tolerating('dedicated'))).toBe(true);
    expect(runsOn(gpu, tolerating('*'))).toBe(true);
  });

  it('keeps off a cordoned node unless the operator tolerates node.kubernetes.io/unschedulable', () => {
    const cordoned = node({ unschedulable: true });
    expect(runsOn(cordoned, [])).toBe(false);
    expect(runsOn(cordoned, tolerating('node.kubernetes.io/unschedulable:NoSchedule'))).toBe(true);
  });

  it('keeps off a node not Ready, or not heard from, unless the operator tolerates that', () => {
    expect(runsOn(node({}, 'False'), [])).toBe(false);
    expect(runsOn(node({}, 'Unknown'), [])).toBe(false);
    expect(runsOn(node({}, null), [])).toBe(false);
    expect(runsOn(node({}, 'False'), tolerating('node.kubernetes.io/not-ready'))).toBe(true);
    expect(runsOn(node({}, 'Unknown'), tolerating('node.kubernetes.io/unreachable'))).toBe(true);
  });
});

describe('parseToleration', () => {
  it('reads what kubectl taint writes, and refuses what it would not', () => {
    expect(parseToleration('gpu=a100:NoExecute')).toEqual({
      key: 'gpu',
      operator: 'Equal',
      value: 'a100',
      effect: 'NoExecute',
    });
    expect(parseToleration('example.com/team=')).toEqual({
      key: 'example.com/team',
      operator: 'Equal',
      value: '',
    });
    for (const bad of ['', ':NoSchedule', 'gpu:Never', 'a b', 'gpu=a b', '-gpu', 'x/y/z']) {
      expect(parseToleration(bad)).toBeUndefined();
    }
  });
});
