import { storedObjectBytes } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  cachedAction,
  omittedAnnotationBytes,
  omittedAnnotationBytesKey,
} from './cached-action.js';

const action = {
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'TaskAction',
  metadata: {
    name: 'a',
    namespace: 'team-a',
    uid: 'u1',
    resourceVersion: '7',
    generation: 1,
    creationTimestamp: '2026-03-01T10:00:00Z',
    deletionTimestamp: '2026-03-01T11:00:00Z',
    labels: { 'roundhouse.dev/termination-status': 'Succeeded' },
    finalizers: ['roundhouse.dev/taskaction-abort'],
    ownerReferences: [
      { apiVersion: 'roundhouse.dev/v1alpha1', kind: 'TaskAction', name: 'p', uid: 'u0' },
    ],
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}',
      'example.com/pad': 'x'.repeat(1000),
    },
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  },
  spec: { runName: 'r', taskTemplate: { image: 'registry.invalid/task:1', env: { V: 'v' } } },
  status: { phase: 'Queued', attempts: 1 },
};

describe('cachedAction', () => {
  it('drops managedFields, and the annotations but for the bytes they take', () => {
    const cached = cachedAction(action);
    expect(cached.metadata).not.toHaveProperty('managedFields');
    expect(cached.metadata?.annotations).toEqual({
      [omittedAnnotationBytesKey]: expect.stringMatching(/^\d+$/),
    });
  });

  it('keeps the rest of the metadata, the spec and the status as they were', () => {
    const { annotations: _a, managedFields: _m, ...metadata } = action.metadata;
    const { annotations: _kept, ...cachedMetadata } = cachedAction(action).metadata ?? {};
    expect({ ...cachedAction(action), metadata: cachedMetadata }).toEqual({ ...action, metadata });
  });

  it('sizes the cached action at least as large as the stored one', () => {
    const { managedFields: _m, ...metadata } = action.metadata;
    const stored = storedObjectBytes({ ...action, metadata });
    const cached = cachedAction(action);
    const sized = storedObjectBytes(cached) + omittedAnnotationBytes(cached);
    expect(sized).toBeGreaterThanOrEqual(stored);
    expect(sized - stored).toBeLessThan(200);
  });

  it('counts no omitted bytes of an action read whole', () => {
    expect(omittedAnnotationBytes(action)).toBe(0);
  });

  it('leaves the object it was given unchanged', () => {
    const copy = structuredClone(action);
    cachedAction(action);
    expect(action).toEqual(copy);
  });
});
