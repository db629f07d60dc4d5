import {
  markLaunched,
  markObservationFailed,
  markProgress,
  markQueued,
  phaseOf,
} from '@roundhouse/controller';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import type { ActionEvent } from './events.js';
import { taskActionView } from './spec.js';
import { TransitionWriter } from './transition.js';

const action: KubeObject = {
  metadata: { name: 'run1-a1', namespace: 'ns', uid: 'u1', resourceVersion: '7', generation: 1 },
  spec: { runName: 'run1', project: 'p', domain: 'd', actionName: 'a1' },
  status: {},
};
const signal = new AbortController().signal;
const now = () => new Date('2026-03-01T10:00:00Z');

function harness(patch: (body: unknown) => Promise<KubeObject>) {
  const client = {
    get: vi.fn(async () => structuredClone(action)),
    patch: vi.fn(async (_t: unknown, _ns: unknown, _n: unknown, body: unknown) => patch(body)),
    replace: vi.fn(),
  };
  const sink = { record: vi.fn(async () => {}) };
  const copies = { get: vi.fn(() => action), observe: vi.fn() };
  const writer = new TransitionWriter(client as never, sink as never, now, copies);
  const queue = (attempt: number) =>
    writer.write(taskActionView(action), (s, at) => markQueued(s, at), { signal, attempt });
  return { client, sink, copies, queue };
}

const written = (body: unknown): KubeObject => ({
  ...structuredClone(action),
  metadata: { ...action.metadata, resourceVersion: '8' },
  status: (body as { status: unknown }).status,
});

describe('TransitionWriter', () => {
  it('writes onto the cached copy, conditionally on its version, without reading it first', async () => {
    const { client, sink, copies, queue } = harness(async (body) => written(body));
    const result = await queue(0);
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch.mock.calls[0]?.[3]).toMatchObject({ metadata: { resourceVersion: '7' } });
    expect(sink.record).toHaveBeenCalledTimes(1);
    // The next reconcile, woken by this write, reads the write rather than the copy before it.
    expect(copies.observe).toHaveBeenCalledWith(result);
    expect(result && phaseOf(taskActionView(result).status)).toBe('Queued');
  });

  it('reads the action fresh once the cached copy turns out to have moved on', async () => {
    let calls = 0;
    const { client, queue } = harness(async (body) => {
      calls += 1;
      if (calls === 1)
        throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
      return written(body);
    });
    await queue(0);
    expect(client.get).toHaveBeenCalledTimes(1);
    expect(client.patch).toHaveBeenCalledTimes(2);
  });

  it('reads the action first when its last reconcile failed, whose write may have landed', async () => {
    const { client, copies, queue } = harness(async (body) => written(body));
    await queue(1);
    expect(client.get).toHaveBeenCalledTimes(1);
    expect(copies.get).not.toHaveBeenCalled();
  });

  it('writes and records nothing for an action re-created under its name, read live', async () => {
    const { client, sink, copies, queue } = harness(async (body) => written(body));
    // uid u1 was deleted and a u2 created under its name: the live read finds u2.
    client.get.mockResolvedValue({
      ...structuredClone(action),
      metadata: { ...action.metadata, uid: 'u2', resourceVersion: '12' },
    });
    expect(await queue(1)).toBeNull();
    expect(client.get).toHaveBeenCalledTimes(1);
    expect(client.patch).not.toHaveBeenCalled();
    expect(sink.record).not.toHaveBeenCalled();
    expect(copies.observe).not.toHaveBeenCalled();
  });

  it('writes and records nothing, and reads nothing, when the cached copy needs no change', async () => {
    const queued = written({ status: markQueued({}, { now: now() }) });
    const { client, sink, copies, queue } = harness(async (body) => written(body));
    copies.get.mockReturnValue(queued);
    expect(await queue(0)).toBe(queued);
    expect(client.get).not.toHaveBeenCalled();
    expect(client.patch).not.toHaveBeenCalled();
    expect(sink.record).not.toHaveBeenCalled();
    expect(copies.observe).not.toHaveBeenCalled();
  });

  it("reports an event the sink failed to record as Flyte's ActionEventPublishFailed, and writes no status", async () => {
    const client = {
      get: vi.fn(async () => structuredClone(action)),
      patch: vi.fn(),
      replace: vi.fn(),
    };
    const sink = { record: vi.fn(async () => Promise.reject(new Error('sink down'))) };
    const copies = { get: vi.fn(() => action), observe: vi.fn() };
    const events = { record: vi.fn(async () => 'created' as const) };
    const writer = new TransitionWriter(client as never, sink, now, copies, events as never);
    await expect(
      writer.write(taskActionView(action), (s, at) => markQueued(s, at), { signal, attempt: 0 }),
    ).rejects.toThrow('sink down');
    expect(client.patch).not.toHaveBeenCalled();
    expect(events.record).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ uid: 'u1' }) }),
      'Warning',
      'ActionEventPublishFailed',
      expect.stringContaining('Queued'),
      expect.objectContaining({ key: 'ActionEventPublishFailed' }),
    );
  });

  it('gives every status change an event of its own, also a phase that comes back unchanged', async () => {
    let stored = structuredClone(action);
    const client = {
      get: vi.fn(async () => structuredClone(stored)),
      patch: vi.fn(async (_t: unknown, _ns: unknown, _n: unknown, body: unknown) => {
        const version = String(Number(stored.metadata?.resourceVersion) + 1);
        // A merge patch of the status fields that changed.
        const status = { ...(stored.status as object), ...(body as { status: object }).status };
        stored = { ...stored, metadata: { ...action.metadata, resourceVersion: version }, status };
        return stored;
      }),
      replace: vi.fn(),
    };
    // A sink that keeps one record per id, as Flyte's events service does.
    const records = new Map<string, ActionEvent>();
    const sink = { record: vi.fn(async (event: ActionEvent) => void records.set(event.id, event)) };
    const copies = { get: vi.fn(() => stored), observe: vi.fn() };
    const writer = new TransitionWriter(client as never, sink, now, copies);
    const failure = { kind: 'SYSTEM' as const, code: 'Unreadable', message: 'x', retryable: true };
    const policy = { maxAttempts: 1, maxSystemFailures: 10 };
    const executing = (s: never, at: never) => markProgress(s, 'Executing', 'running', at);
    const unreadable = (s: never, at: never) => markObservationFailed(s, failure, policy, at);
    const steps = [
      (s: never, at: never) => markQueued(s, at),
      (s: never, at: never) => markLaunched(s, 'created', at),
      executing,
      unreadable, // Executing, one system failure
      executing, // Executing again, the count reset
      unreadable,
      executing,
    ];
    for (const step of steps) {
      await writer.write(taskActionView(stored), step as never, { signal, attempt: 0 });
    }
    expect(client.patch).toHaveBeenCalledTimes(steps.length);
    expect([...records.values()].map((e) => [e.phase, e.systemFailures])).toEqual([
      ['Queued', 0],
      ['Initializing', 0],
      ['Executing', 0],
      ['Executing', 1],
      ['Executing', 0],
      ['Executing', 1],
      ['Executing', 0],
    ]);
  });
});
