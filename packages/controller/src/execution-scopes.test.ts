import { roundhouseConventions } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { executionReadScope, executionWatchScope } from './execution-scopes.js';

describe('execution informer scopes', () => {
  it('caches only the execution resources carrying the owner labels, in the execution namespace', () => {
    const scope = executionWatchScope(
      { resource: resources.jobs, conventions: roundhouseConventions },
      'runs',
    );
    expect(scope).toEqual({ namespace: 'runs', labelSelector: expect.any(String) });
    expect(scope.labelSelector).not.toBe('');
  });

  it('caches what an engine reads with its selectors and its transform', () => {
    const scope = executionReadScope(
      {
        resource: resources.pods,
        labelSelector: 'owned-by',
        fieldSelector: 'status.phase!=Running',
        transform: (pod) => ({ ...pod, spec: undefined }),
      },
      'runs',
    );
    expect(scope).toMatchObject({
      namespace: 'runs',
      labelSelector: 'owned-by',
      fieldSelector: 'status.phase!=Running',
    });
    expect(scope.transform?.({ metadata: { name: 'p' }, spec: { x: 1 } })).toEqual({
      metadata: { name: 'p' },
      spec: undefined,
    });
    const plain = executionReadScope({ resource: resources.pods, labelSelector: 'a' }, 'runs');
    expect(plain).toEqual({ namespace: 'runs', labelSelector: 'a' });
  });
});
