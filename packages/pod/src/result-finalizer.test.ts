import { kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { buildPod, type PodEngineSettings } from './pod-spec.js';

const sample = sampleExecution({ spec: { executionEngine: 'pod' } });
const wfe = {
  ...sample,
  metadata: { ...sample.metadata, uid: 'uid-1' },
  spec: {
    ...sample.spec,
    workflowRef: {
      ...sample.spec.workflowRef,
      engineConfig: {
        steps: [{ name: 'run', image: 'registry.example.com/sh:1', script: 'true' }],
      },
    } as never,
  },
};

const settings = (overrides: Partial<PodEngineSettings> = {}): PodEngineSettings => ({
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  securityProfile: 'restricted',
  allowedImages: ['registry.example.com/*'],
  ownerReference: false,
  ...overrides,
});

const finalizersOf = (overrides: Partial<PodEngineSettings>) =>
  buildPod(wfe, sample.metadata.namespace ?? 'default', undefined, settings(overrides)).metadata
    ?.finalizers;

describe('the pod result finalizer', () => {
  it('is on every Pod the engine builds, named under the conventions', () => {
    expect(finalizersOf({})).toEqual(['roundhouse.dev/pod-result']);
    expect(finalizersOf({ conventions: kubernautConventions })).toEqual([
      'kubernaut.ai/pod-result',
    ]);
  });

  it('is off for a Pod its owner reference lets the garbage collector delete, unless asked for', () => {
    expect(finalizersOf({ ownerReference: true })).toBeUndefined();
    expect(finalizersOf({ ownerReference: true, resultFinalizer: true })).toEqual([
      'roundhouse.dev/pod-result',
    ]);
    expect(finalizersOf({ resultFinalizer: false })).toBeUndefined();
  });
});
