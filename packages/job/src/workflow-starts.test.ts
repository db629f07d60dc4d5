import { describe, expect, it } from 'vitest';
import type { MountEvent } from './mount-failures.js';
import { workflowStarts } from './workflow-starts.js';

const pod = 'wfe-0123456789abcdef-x7k2m';
const started = (fieldPath: string, type = 'Normal'): MountEvent => ({
  involvedObject: { name: pod, uid: 'pod-1', fieldPath },
  type,
  reason: 'Started',
  message: 'Started container',
  lastTimestamp: '2026-12-02T03:00:05Z',
});

describe('workflowStarts', () => {
  it("keeps the kubelet's start of the workflow container alone", () => {
    const workflow = started('spec.containers{workflow}');
    expect(
      workflowStarts([
        workflow,
        // An operator's init container runs before the workflow's image is even pulled.
        started('spec.initContainers{setup}'),
        started('spec.containers{sidecar}'),
        started('spec.containers{workflow}', 'Warning'),
        { ...workflow, reason: 'Pulled' },
        { ...workflow, reason: 'FailedMount', type: 'Warning' },
      ]),
    ).toEqual([workflow]);
  });
});
