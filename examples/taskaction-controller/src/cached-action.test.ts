import { describe, expect, it } from 'vitest';
import { cachedAction } from './cached-action.js';

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
  it('drops the annotations and managedFields, which the controller never reads', () => {
    const cached = cachedAction(action);
    expect(cached.metadata).not.toHaveProperty('annotations');
    expect(cached.metadata).not.toHaveProperty('managedFields');
  });

  it('keeps the rest of the metadata, the spec and the status as they were', () => {
    const { annotations: _a, managedFields: _m, ...metadata } = action.metadata;
    expect(cachedAction(action)).toEqual({ ...action, metadata });
  });

  it('leaves the object it was given unchanged', () => {
    const copy = structuredClone(action);
    cachedAction(action);
    expect(action).toEqual(copy);
  });
});
