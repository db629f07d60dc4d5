import { describe, expect, it } from 'vitest';
import { executionBody, jobShape, roundhouseJob } from './workload.js';

const created = (namespace: string, uid: string) => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'WorkflowExecution',
  ...executionBody(0),
  metadata: { name: 'wfe-0', namespace, uid, generation: 1 },
});

describe('jobShape', () => {
  it('gives two scenarios the same shape when only their namespaces and UIDs differ', () => {
    const a = roundhouseJob(
      created('rh-wfe-1', '0b8f2c4e-1111-4a6b-9c1d-2e3f4a5b6c7d'),
      'rh-exec-1',
    );
    const b = roundhouseJob(
      created('go-wfe-2', '5d6e7f80-2222-4b7c-8d9e-0f1a2b3c4d5e'),
      'go-exec-2',
    );
    expect(jobShape(a, ['rh-wfe-1', 'rh-exec-1'])).toBe(jobShape(b, ['go-wfe-2', 'go-exec-2']));
  });

  it('tells a Job without the security context from Roundhouse’s', () => {
    const namespaces = ['rh-wfe', 'rh-exec'];
    const job = roundhouseJob(created('rh-wfe', '0b8f2c4e-1111-4a6b-9c1d-2e3f4a5b6c7d'), 'rh-exec');
    const spec = job.spec as { template: { spec: Record<string, unknown> } };
    const bare = {
      ...job,
      spec: {
        ...spec,
        template: { ...spec.template, spec: { ...spec.template.spec, securityContext: undefined } },
      },
    };
    expect(jobShape(bare, namespaces)).not.toBe(jobShape(job, namespaces));
  });
});
