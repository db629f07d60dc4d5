import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { AbortedError } from '@roundhouse/core';
import {
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type RequestOptions,
} from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import { buildEvent, EventRecorder } from './event-recorder.js';

const fields = {
  type: 'Warning' as const,
  reason: 'ExecutionFailed',
  message: 'exit code 3',
  component: 'roundhouse-wfe-controller',
  instance: 'pod-1',
  now: new Date('2026-05-06T07:08:09.123Z'),
};

describe('buildEvent', () => {
  it('describes the object in its namespace, as kubectl describe shows it', () => {
    const event = buildEvent(
      {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        metadata: { name: 'wfe-1', namespace: 'team-a', uid: 'u1', resourceVersion: '7' },
      },
      fields,
    );
    expect(event).toEqual({
      metadata: { generateName: 'wfe-1.', namespace: 'team-a' },
      involvedObject: {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        name: 'wfe-1',
        namespace: 'team-a',
        uid: 'u1',
        resourceVersion: '7',
      },
      type: 'Warning',
      reason: 'ExecutionFailed',
      message: 'exit code 3',
      source: { component: 'roundhouse-wfe-controller' },
      reportingComponent: 'roundhouse-wfe-controller',
      reportingInstance: 'pod-1',
      firstTimestamp: '2026-05-06T07:08:09Z',
      lastTimestamp: '2026-05-06T07:08:09Z',
      count: 1,
    });
  });

  it('puts events of cluster-scoped objects in default and cuts long messages', () => {
    const event = buildEvent(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } },
      { ...fields, message: 'x'.repeat(5_000) },
    );
    expect(event.metadata.namespace).toBe('default');
    expect(event.message).toHaveLength(1024);
  });

  it('names a keyed event for its object and key, the same every time', () => {
    const object = {
      kind: 'WorkflowExecution',
      metadata: { name: 'wfe-1', namespace: 'a', uid: 'u1' },
    };
    const once = buildEvent(object, { ...fields, key: 'LockReleased' });
    const again = buildEvent(object, { ...fields, key: 'LockReleased', now: new Date() });
    expect(once.metadata.name).toMatch(/^wfe-1\.[0-9a-f]{16}$/);
    expect(again.metadata.name).toBe(once.metadata.name);
    expect(once.metadata).not.toHaveProperty('generateName');
    const other = buildEvent(object, { ...fields, key: 'WorkflowFailed' });
    const successor = buildEvent(
      { ...object, metadata: { ...object.metadata, uid: 'u2' } },
      { ...fields, key: 'LockReleased' },
    );
    expect(new Set([once, other, successor].map((e) => e.metadata.name)).size).toBe(3);
  });
});

describe('EventRecorder', () => {
  it('says whether it created the event, found a keyed one there already, or could not record it', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    // Like the API server: a second create of the same name is refused; a name of `bad.` fails.
    const names = new Set<string>();
    const create = vi.fn(
      async (_type: unknown, _ns: unknown, body: { metadata: Record<string, string> }) => {
        const { name, generateName } = body.metadata;
        if (generateName === 'bad.')
          throw new KubernetesApiError('Forbidden', 'events is forbidden', 403);
        if (name !== undefined && names.has(name))
          throw new KubernetesApiError('AlreadyExists', `events "${name}" already exists`, 409);
        if (name !== undefined) names.add(name);
        return { object: body };
      },
    );
    const recorder = new EventRecorder({ create } as unknown as KubeClient, 'test', { logger });
    const object = { metadata: { name: 'wfe-1', namespace: 'a', uid: 'u1' } };
    const keyed = () =>
      recorder.record(object, 'Normal', 'ExecutionCreated', 'created', { key: 'ExecutionCreated' });
    await expect(keyed()).resolves.toBe('created');
    await expect(keyed()).resolves.toBe('exists');
    await expect(recorder.record(object, 'Normal', 'Started', 'started')).resolves.toBe('created');
    const refused = { metadata: { name: 'bad', namespace: 'a', uid: 'u2' } };
    await expect(recorder.record(refused, 'Normal', 'Started', 'started')).resolves.toBe('failed');
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('takes a keyed event that already exists as recorded, and warns about other failures', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const create = vi.fn(async () => {
      throw new KubernetesApiError('AlreadyExists', 'events "wfe-1.x" already exists', 409);
    });
    const recorder = new EventRecorder({ create } as unknown as KubeClient, 'test', { logger });
    const object = { metadata: { name: 'wfe-1', namespace: 'a', uid: 'u1' } };
    await recorder.record(object, 'Normal', 'LockReleased', 'released', { key: 'LockReleased' });
    expect(warn).not.toHaveBeenCalled();
    await recorder.record(object, 'Normal', 'Started', 'started');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('tries a keyed event again after a failure that may pass, and an unkeyed one never', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    let calls = 0;
    const create = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new KubernetesApiError('TooManyRequests', 'slow down', 429);
      if (calls === 2) throw new KubernetesApiError('InternalError', 'etcd timeout', 500);
      return { object: {} };
    });
    const recorder = new EventRecorder({ create } as unknown as KubeClient, 'test', { logger });
    const object = { metadata: { name: 'wfe-1', namespace: 'a', uid: 'u1' } };
    await recorder.record(object, 'Normal', 'LockReleased', 'released', { key: 'LockReleased' });
    expect(create).toHaveBeenCalledTimes(3);
    expect(warn).not.toHaveBeenCalled();

    create.mockClear();
    calls = 0;
    await recorder.record(object, 'Normal', 'Started', 'started');
    expect(create).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('gives up a keyed event when its signal aborts, mid-request or between attempts', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    // Like the client: refused at once when aborted, else failing (first) or hanging (after).
    const create = vi.fn(
      (_type: unknown, _ns: unknown, _body: unknown, options?: RequestOptions) => {
        const signal = options?.signal;
        if (signal?.aborted) return Promise.reject(new AbortedError('create Event'));
        if (create.mock.calls.length === 1)
          return Promise.reject(new KubernetesApiError('InternalError', 'etcd timeout', 500));
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(new AbortedError('create Event')), {
            once: true,
          }),
        );
      },
    );
    const recorder = new EventRecorder({ create } as unknown as KubeClient, 'test', { logger });
    const object = { metadata: { name: 'wfe-1', namespace: 'a', uid: 'u1' } };
    const record = (signal: AbortSignal) =>
      recorder.record(object, 'Normal', 'LockReleased', 'released', { key: 'k', signal });

    // Aborted during the 200 ms pause after the first failure, which the abort ends: timers
    // fire in the order they are due, so the pause's own end could only win if the abort did
    // not cut it short.
    const pauseOver = new Promise((resolve) => setTimeout(() => resolve('pause over'), 200));
    const first = await Promise.race([
      record(AbortSignal.timeout(10)).then(() => 'given up'),
      pauseOver,
    ]);
    expect(first).toBe('given up');
    expect(create).toHaveBeenCalledTimes(2);
    expect(create.mock.calls[1]?.[3]?.signal?.aborted).toBe(true);

    // Aborted while the create hangs.
    await record(AbortSignal.timeout(10));
    expect(create).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

/**
 * An API server whose Event creates answer 409 AlreadyExists, as kube-apiserver does when the name
 * it drew for `generateName` was taken, `collisions` times before creating. A real one cannot be
 * made to draw a taken name on demand; the Status is the one its NewGenerateNameConflict writes.
 */
async function collidingApiServer(collisions: number) {
  const posted: KubeObject[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const event = JSON.parse(body) as KubeObject;
      posted.push(event);
      const name = `${event.metadata?.generateName}${'x'.repeat(5)}${posted.length}`;
      response.setHeader('content-type', 'application/json');
      if (posted.length <= collisions) {
        response.writeHead(409).end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: `events "${name}" already exists, the server was not able to generate a unique name for the object`,
            reason: 'AlreadyExists',
            details: { name, kind: 'events', retryAfterSeconds: 1 },
            code: 409,
          }),
        );
        return;
      }
      response
        .writeHead(201)
        .end(JSON.stringify({ ...event, metadata: { ...event.metadata, name } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'fake',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return { client: new KubeClient(kubeConfig), posted };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('EventRecorder when the name the API server drew is taken', () => {
  const object = {
    kind: 'WorkflowExecution',
    metadata: { name: 'wfe-1', namespace: 'a', uid: 'u1' },
  };

  it('sends the Event again, for a new name, and records it', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const api = await collidingApiServer(2);
    const recorder = new EventRecorder(api.client, 'test', { logger });
    await expect(recorder.record(object, 'Normal', 'Started', 'started')).resolves.toBe('created');
    expect(api.posted.map((e) => e.metadata)).toEqual([
      { generateName: 'wfe-1.', namespace: 'a' },
      { generateName: 'wfe-1.', namespace: 'a' },
      { generateName: 'wfe-1.', namespace: 'a' },
    ]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('gives up after three names, says so, and never reads it as an Event that exists', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const api = await collidingApiServer(100);
    const recorder = new EventRecorder(api.client, 'test', { logger });
    await expect(recorder.record(object, 'Normal', 'Started', 'started')).resolves.toBe('failed');
    expect(api.posted).toHaveLength(3);
    expect(warn).toHaveBeenCalledTimes(1);
    // A keyed Event of an object without uid is named by the server too: not 'exists'.
    const unsaved = { metadata: { name: 'wfe-2', namespace: 'a' } };
    await expect(
      recorder.record(unsaved, 'Normal', 'Started', 'started', { key: 'Started' }),
    ).resolves.toBe('failed');
    expect(api.posted).toHaveLength(6);
  });
});

describe('EventRecorder repeats, as client-go correlates them', () => {
  /** An API server's Event writes, as the recorder sends them; Events get names as the server's. */
  function eventsApi() {
    const created: KubeObject[] = [];
    const patched: { name: string; patch: Record<string, unknown> }[] = [];
    const gone = new Set<string>();
    const create = vi.fn(async (_type: unknown, _ns: unknown, body: KubeObject) => {
      const object = {
        ...body,
        metadata: { ...body.metadata, name: `${body.metadata?.generateName}e${created.length}` },
      };
      created.push(object);
      return { object };
    });
    const patch = vi.fn(async (_type: unknown, _ns: unknown, name: string, body: unknown) => {
      if (gone.has(name))
        throw new KubernetesApiError('NotFound', `events "${name}" not found`, 404);
      patched.push({ name, patch: body as Record<string, unknown> });
      return {};
    });
    return { client: { create, patch } as unknown as KubeClient, created, patched, gone };
  }

  const object = { kind: 'Widget', metadata: { name: 'w', namespace: 'a', uid: 'u1' } };

  it('writes an Event recorded 1,000 times once, then 24 counts, then one every 5 minutes', async () => {
    const api = eventsApi();
    const clock = new ManualClock();
    const recorder = new EventRecorder(api.client, 'test', { clock });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1_000; i += 1) {
      const outcome = await recorder.record(object, 'Warning', 'SyncFailed', 'the backend refused');
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes).toEqual(
      new Map([
        ['created', 1],
        ['counted', 24],
        ['skipped', 975],
      ]),
    );
    expect(api.created).toHaveLength(1);
    expect(api.created[0]).toMatchObject({ count: 1, message: 'the backend refused' });
    expect(api.patched.map((p) => p.name)).toEqual(Array(24).fill('w.e0'));
    expect(api.patched.map((p) => p.patch.count)).toEqual(
      Array.from({ length: 24 }, (_, i) => i + 2),
    );
    // A write for the next 5 minutes, carrying the count of everything recorded meanwhile.
    clock.advance(300_000);
    await expect(
      recorder.record(object, 'Warning', 'SyncFailed', 'the backend refused'),
    ).resolves.toBe('counted');
    expect(api.patched.at(-1)).toMatchObject({ name: 'w.e0', patch: { count: 1_001 } });
    await expect(
      recorder.record(object, 'Warning', 'SyncFailed', 'the backend refused'),
    ).resolves.toBe('skipped');
    // Another object has a limit of its own.
    const other = { ...object, metadata: { ...object.metadata, name: 'v', uid: 'u2' } };
    await expect(
      recorder.record(other, 'Warning', 'SyncFailed', 'the backend refused'),
    ).resolves.toBe('created');
  });

  it('combines the tenth distinct message of a reason and the new ones after it into one Event', async () => {
    const api = eventsApi();
    const recorder = new EventRecorder(api.client, 'test', { clock: new ManualClock() });
    for (let i = 1; i <= 12; i += 1)
      await recorder.record(object, 'Warning', 'SyncFailed', `attempt ${i} refused`);
    expect(api.created.map((e) => e.message)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `attempt ${i + 1} refused`),
      '(combined from similar events): attempt 10 refused',
    ]);
    expect(api.patched).toEqual([
      {
        name: 'w.e9',
        patch: expect.objectContaining({
          count: 2,
          message: '(combined from similar events): attempt 11 refused',
        }),
      },
      {
        name: 'w.e9',
        patch: expect.objectContaining({
          count: 3,
          message: '(combined from similar events): attempt 12 refused',
        }),
      },
    ]);
  });

  it('creates the Event again, count kept, when the one it counted in has expired', async () => {
    const api = eventsApi();
    const recorder = new EventRecorder(api.client, 'test', { clock: new ManualClock() });
    await recorder.record(object, 'Normal', 'Synced', 'in sync');
    api.gone.add('w.e0');
    await expect(recorder.record(object, 'Normal', 'Synced', 'in sync')).resolves.toBe('created');
    await recorder.record(object, 'Normal', 'Synced', 'in sync');
    expect(api.created.map((e) => [e.metadata?.name, e.count])).toEqual([
      ['w.e0', 1],
      ['w.e1', 2],
    ]);
    expect(api.patched).toEqual([{ name: 'w.e1', patch: expect.objectContaining({ count: 3 }) }]);
  });

  it('counts a repeat recorded while the first create is under way, and never holds a keyed Event back', async () => {
    const api = eventsApi();
    const recorder = new EventRecorder(api.client, 'test', { clock: new ManualClock() });
    const first = recorder.record(object, 'Normal', 'Synced', 'in sync');
    await expect(recorder.record(object, 'Normal', 'Synced', 'in sync')).resolves.toBe('counted');
    await expect(first).resolves.toBe('created');
    expect(api.created).toHaveLength(1);
    for (let i = 0; i < 30; i += 1)
      await recorder.record(object, 'Normal', 'Synced', 'in sync', { key: `k${i}` });
    expect(api.created).toHaveLength(31);
  });
});
