import { noopLogger } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { advanceConditionAction } from './condition-reconcile.js';
import { resolveConditionAction, taskActionView } from './spec.js';
import { pausedStatus } from './task-action.test-support.js';
import { TransitionWriter } from './transition.js';

const paused: KubeObject = {
  metadata: {
    name: 'run1-c1',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    creationTimestamp: '2026-03-01T10:00:00Z',
  },
  spec: {
    runName: 'run1',
    project: 'p',
    domain: 'd',
    actionName: 'c1',
    actionType: 'condition',
    conditionSpec: { name: 'approve', type: 'boolean', timeout: '5s' },
  },
  status: pausedStatus(),
};
const deadline = Date.parse('2026-03-01T10:00:05Z');
const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };

describe('advanceConditionAction', () => {
  it('looks again when the deadline passes while it writes, instead of never', async () => {
    const client = { get: vi.fn(async () => structuredClone(paused)), patch: vi.fn() };
    const sink = { record: vi.fn() };
    // Judged a millisecond before the deadline; the requeue is computed a moment after it.
    // The cache's copy, were it read, would be the same: the read below is the live one.
    const copies = { get: vi.fn(() => paused), observe: vi.fn() };
    const transitions = new TransitionWriter(
      client as never,
      sink as never,
      () => new Date(deadline - 1),
      copies,
    );
    const resolved = resolveConditionAction(paused);
    if (!resolved.valid) throw new Error(resolved.message);
    const result = await advanceConditionAction(
      paused,
      taskActionView(paused),
      resolved.value,
      ctx,
      {
        client: client as never,
        actions: { byIndex: () => [] },
        transitions,
        now: () => new Date(deadline + 3),
      },
    );
    expect(client.patch).not.toHaveBeenCalled();
    expect(result?.requeueAfter).toBeGreaterThan(0);
    // A signal may be written beside the controller; the cache may not hold it yet.
    expect(client.get).toHaveBeenCalledTimes(1);
    expect(copies.get).not.toHaveBeenCalled();
  });

  it('times out at its deadline while the parent it names does not exist', async () => {
    const orphan = structuredClone(paused);
    (orphan.spec as Record<string, unknown>).parentActionName = 'a0';
    const patched: unknown[] = [];
    const client = {
      get: vi.fn(async () => structuredClone(orphan)),
      patch: vi.fn(async (_type: unknown, _ns: unknown, _name: unknown, body: unknown) => {
        patched.push(body);
        return { ...structuredClone(orphan), status: (body as { status?: unknown }).status };
      }),
    };
    const sink = { record: vi.fn() };
    const actions = { byIndex: vi.fn(() => []) };
    const transitions = new TransitionWriter(
      client as never,
      sink as never,
      () => new Date(deadline + 1),
      { get: () => undefined, observe: vi.fn() },
    );
    const resolved = resolveConditionAction(orphan);
    if (!resolved.valid) throw new Error(resolved.message);
    const result = await advanceConditionAction(
      orphan,
      taskActionView(orphan),
      resolved.value,
      ctx,
      {
        client: client as never,
        actions,
        transitions,
        now: () => new Date(deadline + 1),
      },
    );
    expect(actions.byIndex).toHaveBeenCalledWith('actionName', '["ns","run1","a0"]');
    expect(JSON.stringify(patched)).toContain('TimedOut');
    expect(result).toBeUndefined();
  });
});
