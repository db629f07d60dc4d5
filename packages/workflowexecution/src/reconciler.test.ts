import { KubeConfig } from '@kubernetes/client-node';
import { noopLogger, Registry } from '@roundhouse/core';
import { KubeClient, type KubeObject, type Reader } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { WorkflowExecutionReconciler } from './reconciler.js';

describe('WorkflowExecutionReconciler', () => {
  it('ignores executions outside its watched namespace, even when another engine event maps to them', async () => {
    // Two controllers can share an execution namespace: one's Job events map to the other's
    // executions. Touching them would mean two controllers driving one execution.
    const reader: Reader = {
      get: vi.fn(async () => {
        throw new Error('must not read');
      }),
      list: async <T extends KubeObject>() => ({ items: [] as T[], resourceVersion: '1' }),
    };
    const reconciler = new WorkflowExecutionReconciler({
      client: new KubeClient(new KubeConfig()),
      reader,
      registry: new Registry(),
      executions: { byIndex: () => [], observe: () => {} },
      policy: ExecutionPolicySchema.parse({ bundles: ['*'] }),
      executionNamespace: 'shared-executions',
      watchNamespace: 'team-a',
    });
    const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };
    expect(await reconciler.reconcile('team-b/restart', ctx)).toBeUndefined();
    expect(reader.get).not.toHaveBeenCalled();
    await expect(reconciler.reconcile('team-a/restart', ctx)).rejects.toThrow('must not read');
  });
});
