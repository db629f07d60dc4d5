import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { SignalRefusedError, signalTaskAction } from './signal.js';
import { pausedStatus } from './task-action.test-support.js';

const condition = (resourceVersion: string, status: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'run1-c1', namespace: 'ns', resourceVersion },
  spec: { actionType: 'condition' },
  status,
});
const paused = pausedStatus();
const now = () => new Date('2026-03-01T10:00:05.300Z');

function fakeClient(reads: KubeObject[], patchErrors: Error[] = []) {
  return {
    get: vi.fn(async () => reads.shift() ?? null),
    patch: vi.fn(async () => {
      const error = patchErrors.shift();
      if (error) throw error;
      return {};
    }),
  };
}

describe('signalTaskAction', () => {
  it('writes only the signal fields, conditionally on the resourceVersion it read', async () => {
    const client = fakeClient([condition('7', paused)]);
    const result = await signalTaskAction(
      client as never,
      'ns',
      'run1-c1',
      {
        value: 'true',
        by: 'alice',
      },
      { now },
    );
    expect(result).toBe('signalled');
    expect(client.patch).toHaveBeenCalledWith(
      expect.anything(),
      'ns',
      'run1-c1',
      {
        metadata: { resourceVersion: '7' },
        status: { signalValue: 'true', signalledBy: 'alice', signalledAt: '2026-03-01T10:00:05Z' },
      },
      { strategy: 'merge', subresource: 'status' },
    );
  });

  it('after a conflict, reads and judges again: the same signal that won meanwhile is unchanged', async () => {
    const conflict = new KubernetesApiError('Conflict', 'the object has been modified', 409);
    const signalled = { ...paused, signalValue: 'true', signalledBy: 'bob' };
    const client = fakeClient([condition('7', paused), condition('8', signalled)], [conflict]);
    const result = await signalTaskAction(client as never, 'ns', 'run1-c1', {
      value: 'true',
      by: 'alice',
    });
    expect(result).toBe('unchanged');
    expect(client.patch).toHaveBeenCalledTimes(1);
  });

  it('refuses a task action and a missing one without writing', async () => {
    const task = { ...condition('1'), spec: {} };
    for (const [reads, reason] of [
      [[task], 'NotACondition'],
      [[], 'NotFound'],
    ] as const) {
      const client = fakeClient([...reads]);
      const error = await signalTaskAction(client as never, 'ns', 'run1-c1', {
        value: 'x',
        by: 'alice',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignalRefusedError);
      expect((error as SignalRefusedError).reason).toBe(reason);
      expect(client.patch).not.toHaveBeenCalled();
    }
  });
});
