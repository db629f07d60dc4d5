import type { Informer } from '@roundhouse/controller';
import { noopLogger, Registry, roundhouseConventions } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { WorkflowExecutionReconciler } from './reconciler.js';
import type { WorkflowExecutionObject } from './resource.js';

describe('WorkflowExecutionReconciler', () => {
  it('ignores executions outside its watched namespace, even when another engine event maps to them', async () => {
    // Two controllers can share an execution namespace: one's Job events map to the other's
    // executions. Touching them would mean two controllers driving one execution.
    const get = vi.fn(async () => {
      throw new Error('must not read');
    });
    const reconciler = new WorkflowExecutionReconciler({
      client: { get } as unknown as KubeClient,
      registry: new Registry(),
      cache: {
        get: () => undefined,
        list: () => [],
      } as unknown as Informer<WorkflowExecutionObject>,
      executionNamespace: 'shared-executions',
      watchNamespace: 'team-a',
      conventions: roundhouseConventions,
    });
    const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };
    expect(await reconciler.reconcile('team-b/restart', ctx)).toBeUndefined();
    expect(get).not.toHaveBeenCalled();
    await expect(reconciler.reconcile('team-a/restart', ctx)).rejects.toThrow('must not read');
  });
});
