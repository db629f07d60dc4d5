import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
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
    [
      { executionBundleDigest: 'sha256:abc' },
      'spec.workflowRef.executionBundleDigest',
      'a sha256 digest has 64 hex digits, this one 3; copy the whole digest the registry reports',
    ],
    [
      { executionBundle: 'registry.example.com/restart:1@md5:abc' },
      'spec.workflowRef.executionBundle',
      'the kubelet pulls by sha256, sha384 or sha512 digests, not "md5"; pin the image by one of those',
    ],
  ])(
    'refuses a digest the kubelet would not pull by, in an execution no schema checked (%j)',
    (workflowRef, path, message) => {
      // As a library caller may build one: the spec's own grammar would refuse it first.
      const wfe = execution({});
      Object.assign(wfe.spec.workflowRef, workflowRef);
      let error: unknown;
      try {
        executionImage(wfe);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).issues).toEqual([{ path, message }]);
    },
  );
});
