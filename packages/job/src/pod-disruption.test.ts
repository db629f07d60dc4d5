import { describe, expect, it } from 'vitest';
import { disruptionConditions, podDisruption } from './pod-disruption.js';

const target = (status: string, reason?: string, message?: string) => ({
  type: 'DisruptionTarget',
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

describe('podDisruption', () => {
  it("prefers the kubelet's pod reason, then a True DisruptionTarget condition", () => {
    expect(
      podDisruption({
        reason: 'Evicted',
        message: 'low on memory',
        conditions: [target('True', 'TerminationByKubelet')],
      }),
    ).toEqual({ reason: 'Evicted', message: 'low on memory' });
    expect(
      podDisruption({ conditions: [target('True', 'DeletionByTaintManager', 'node gone')] }),
    ).toEqual({ reason: 'DeletionByTaintManager', message: 'node gone' });
    expect(podDisruption({ conditions: [target('True')] })).toEqual({
      reason: 'DisruptionTarget',
    });
  });

  it('sees none in a pod its own containers ended', () => {
    expect(podDisruption(undefined)).toBeUndefined();
    expect(podDisruption({ reason: null, message: null, conditions: null })).toBeUndefined();
    expect(podDisruption({ conditions: [target('False', 'x')] })).toBeUndefined();
  });
});

describe('disruptionConditions', () => {
  it('keeps DisruptionTarget conditions only, and nothing when there are none', () => {
    const ready = { type: 'Ready', status: 'False' };
    expect(disruptionConditions([ready, target('True', 'x')])).toEqual([target('True', 'x')]);
    expect(disruptionConditions([ready])).toBeUndefined();
  });
});
