import { describe, expect, it } from 'vitest';
import { executionImage, requestedDependencies } from './execution-identity.js';
import { parseWorkflowExecution } from './workflow-execution.js';

const execution = (workflowRef: object, spec: object = {}) =>
  parseWorkflowExecution({
    metadata: { name: 'wfe-1', namespace: 'team-a' },
    spec: {
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'registry.example.com/restart:1',
        ...workflowRef,
      },
      targetResource: 'team-a/deployment/app',
      executionEngine: 'job',
      ...spec,
    },
  });

describe('requestedDependencies', () => {
  it.each([
    ['{}', {}],
    ['empty lists', { secrets: [], configMaps: [] }],
  ])(
    'reads spec.dependencies when workflowRef.dependencies is %s, so what admission checked is what is mounted',
    (_, empty) => {
      const wfe = execution(
        { dependencies: empty },
        { dependencies: { secrets: [{ name: 'db' }] } },
      );
      expect(wfe.spec.workflowRef.dependencies).toEqual(empty);
      expect(requestedDependencies(wfe)).toEqual({
        dependencies: { secrets: [{ name: 'db' }] },
        path: 'spec.dependencies',
      });
    },
  );

  it("reads kubernaut's catalog snapshot when it lists any", () => {
    const wfe = execution(
      { dependencies: { configMaps: [{ name: 'settings' }] } },
      { dependencies: { secrets: [] } },
    );
    expect(requestedDependencies(wfe)).toEqual({
      dependencies: { configMaps: [{ name: 'settings' }] },
      path: 'spec.workflowRef.dependencies',
    });
  });
});

describe('executionImage', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  it('pins the bundle to its digest', () => {
    expect(executionImage(execution({ executionBundleDigest: digest }))).toBe(
      `registry.example.com/restart:1@${digest}`,
    );
  });

  it.each([
    [{ executionBundleDigest: 'sha256:abc123' }, 'registry.example.com/restart:1@sha256:abc123'],
    [
      { executionBundle: 'ghcr.io/kubernaut/workflows/test@sha256:abc123' },
      'ghcr.io/kubernaut/workflows/test@sha256:abc123',
    ],
  ])(
    "runs any OCI digest as kubernaut does, its test fixtures' short ones too (%j)",
    (workflowRef, image) => {
      const wfe = execution({});
      Object.assign(wfe.spec.workflowRef, workflowRef);
      expect(executionImage(wfe)).toBe(image);
    },
  );
});
