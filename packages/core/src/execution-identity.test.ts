import { describe, expect, it } from 'vitest';
import { requestedDependencies } from './execution-identity.js';
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
