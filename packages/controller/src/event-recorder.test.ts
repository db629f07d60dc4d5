import { describe, expect, it } from 'vitest';
import { buildEvent } from './event-recorder.js';

const fields = {
  type: 'Warning' as const,
  reason: 'ExecutionFailed',
  message: 'exit code 3',
  component: 'roundhouse-wfe-controller',
  instance: 'pod-1',
  now: new Date('2026-05-06T07:08:09.123Z'),
};

describe('buildEvent', () => {
  it('describes the object in its namespace, as kubectl describe shows it', () => {
    const event = buildEvent(
      {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        metadata: { name: 'wfe-1', namespace: 'team-a', uid: 'u1', resourceVersion: '7' },
      },
      fields,
    );
    expect(event).toEqual({
      metadata: { generateName: 'wfe-1.', namespace: 'team-a' },
      involvedObject: {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        name: 'wfe-1',
        namespace: 'team-a',
        uid: 'u1',
        resourceVersion: '7',
      },
      type: 'Warning',
      reason: 'ExecutionFailed',
      message: 'exit code 3',
      source: { component: 'roundhouse-wfe-controller' },
      reportingComponent: 'roundhouse-wfe-controller',
      reportingInstance: 'pod-1',
      firstTimestamp: '2026-05-06T07:08:09Z',
      lastTimestamp: '2026-05-06T07:08:09Z',
      count: 1,
    });
  });

  it('puts events of cluster-scoped objects in default and cuts long messages', () => {
    const event = buildEvent(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } },
      { ...fields, message: 'x'.repeat(5_000) },
    );
    expect(event.metadata.namespace).toBe('default');
    expect(event.message).toHaveLength(1024);
  });
});
