import { KubeConfig } from '@kubernetes/client-node';
import type { EventRecorder } from '@roundhouse/controller';
import { noopLogger, Registry } from '@roundhouse/core';
import { KubeClient, type KubeObject, KubernetesApiError, type Reader } from '@roundhouse/kube';
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

  it('records one WorkflowFailed Event for an invalid execution, however often it is reconciled', async () => {
    // The API server as far as this execution goes: every write moves its resourceVersion on.
    let stored: KubeObject = {
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { name: 'bad', namespace: 'team-a', uid: 'u-1', resourceVersion: '1' },
      spec: { targetResource: '../../etc' },
    };
    const bump = (object: KubeObject, change: Partial<KubeObject>): KubeObject => ({
      ...object,
      ...change,
      metadata: {
        ...object.metadata,
        ...change.metadata,
        resourceVersion: String(Number(object.metadata?.resourceVersion) + 1),
      },
    });
    const client = {
      get: async () => stored,
      patch: async (_type: unknown, _ns: unknown, _name: unknown, body: KubeObject) => {
        const status = { ...(stored.status as object), ...(body.status as object) };
        stored = bump(stored, { status });
        return stored;
      },
      replace: async (_type: unknown, _ns: unknown, _name: unknown, body: KubeObject) => {
        stored = bump(stored, { status: body.status });
        return stored;
      },
    } as unknown as KubeClient;
    const events = { record: vi.fn(async () => {}) };
    const reconciler = new WorkflowExecutionReconciler({
      client,
      reader: { get: async () => stored } as unknown as Reader,
      registry: new Registry(),
      executions: { byIndex: () => [], observe: () => {} },
      policy: ExecutionPolicySchema.parse({ bundles: ['*'] }),
      executionNamespace: 'executions',
      events: events as unknown as EventRecorder,
    });
    const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };
    await reconciler.reconcile('team-a/bad', ctx);
    expect(stored.status).toMatchObject({ phase: 'Failed' });
    // A resync, then the author edits a label: the execution stays Failed, nothing new to say.
    await reconciler.reconcile('team-a/bad', ctx);
    stored = bump(stored, { metadata: { labels: { edited: 'yes' } } });
    await reconciler.reconcile('team-a/bad', ctx);
    expect(events.record).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'bad' }) }),
      'Warning',
      'WorkflowFailed',
      expect.stringContaining('ConfigurationError: '),
      { key: 'WorkflowFailed' },
    );
  });

  it('records LockReleased under its key before the write, so a replica acting on an older copy repeats the same Event', async () => {
    // A replica paused past its lease resumes with a cache from before the new leader released
    // the lock. Its record is the leader's Event again (same key, so the same name, refused by
    // the API server), and its write conflicts and finds nothing left to change.
    const completed = {
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: {
        name: 'done',
        namespace: 'team-a',
        uid: 'u-2',
        resourceVersion: '5',
        finalizers: ['roundhouse.dev/execution-cleanup'],
      },
      spec: {
        workflowRef: { workflowId: 'w', version: '1', executionBundle: 'registry.invalid/w:1' },
        targetResource: 'team-a/deployment/app',
        executionEngine: 'job',
      },
      status: { phase: 'Completed', completionTime: '2026-01-01T00:00:00Z', conditions: [] },
    };
    const released = {
      ...completed,
      metadata: { ...completed.metadata, resourceVersion: '6' },
      status: {
        ...completed.status,
        conditions: [
          {
            type: 'LockReleased',
            status: 'True',
            reason: 'CooldownExpired',
            message: 'released',
            lastTransitionTime: '2026-01-01T00:05:00Z',
          },
        ],
      },
    };
    const patch = vi.fn(async () => {
      throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
    });
    const client = {
      get: async () => released,
      patch,
      replace: vi.fn(async () => {
        throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
      }),
    } as unknown as KubeClient;
    const events = { record: vi.fn(async () => {}) };
    const reconciler = new WorkflowExecutionReconciler({
      client,
      reader: { get: async () => completed } as unknown as Reader,
      registry: new Registry(),
      executions: { byIndex: () => [], observe: () => {} },
      policy: ExecutionPolicySchema.parse({ bundles: ['*'] }),
      executionNamespace: 'executions',
      cooldownMs: 1_000,
      events: events as unknown as EventRecorder,
    });
    const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };
    await reconciler.reconcile('team-a/done', ctx);
    expect(patch).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledTimes(1);
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ uid: 'u-2' }) }),
      'Normal',
      'LockReleased',
      expect.stringContaining('team-a/deployment/app'),
      { key: 'LockReleased' },
    );
    expect(events.record.mock.invocationCallOrder[0]).toBeLessThan(
      patch.mock.invocationCallOrder[0] as number,
    );
  });
});
