import { readFileSync } from 'node:fs';
import {
  admissionPolicyNamedChecks,
  workflowExecutionAdmissionPolicy,
} from '@roundhouse/workflowexecution';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const manifest = new URL(
  '../../examples/workflowexecution-controller/deploy/admission-policy.yaml',
  import.meta.url,
);

describe('deploy/admission-policy.yaml', () => {
  const text = readFileSync(manifest, 'utf8');
  const documents = parseAllDocuments(text).map((doc) => doc.toJSON() as unknown);

  it('is exactly the generated policy and binding for the execution namespace roundhouse-workflows', () => {
    const { policy, binding } = workflowExecutionAdmissionPolicy({
      executionNamespace: 'roundhouse-workflows',
    });
    expect(documents).toEqual([policy, binding]);
  });

  it('serves the execution namespace the shipped Deployment is configured with', () => {
    const deployment = readFileSync(new URL('deployment.yaml', manifest), 'utf8');
    expect(deployment).toContain('--execution-namespace=roundhouse-workflows');
  });

  it('documents the slot limit it enforces', () => {
    expect(text).toContain(`more than ${admissionPolicyNamedChecks} Secrets`);
  });
});
