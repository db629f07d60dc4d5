import { type KubeObject, KubernetesApiError, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import type { EventSink } from './event-sink.js';
import { recordThenUpdateStatus } from './status-with-event.js';
import { things } from './things.test-support.js';

type Thing = KubeObject & { status?: { phase?: string } };

/** One object on a fake API server, recording what happened in order. */
class FakeServer {
  readonly log: string[] = [];
  object: Thing | null = {
    metadata: { name: 't', namespace: 'ns', resourceVersion: '1' },
    status: {},
  };
  conflicts = 0;

  async get<T>(): Promise<T | null> {
    return structuredClone(this.object) as T | null;
  }

  async patch<T>(
    _t: ResourceType,
    _ns: string,
    _n: string,
    body: { metadata: { resourceVersion: string }; status: Record<string, unknown> },
  ): Promise<T> {
    this.#conflictOr(body.metadata.resourceVersion);
    // RFC 7386 at the top level of the status, which is as deep as these tests go.
    const status = Object.fromEntries(
      Object.entries({ ...this.object?.status, ...body.status }).filter(([, v]) => v !== null),
    );
    this.log.push(`status patch ${JSON.stringify(body.status)}`);
    return this.#store({ ...this.object, status } as Thing) as T;
  }

  async replace<T>(_t: ResourceType, _ns: string, _n: string, body: Thing): Promise<T> {
    this.#conflictOr(body.metadata?.resourceVersion);
    this.log.push(`status replace ${JSON.stringify(body.status)}`);
    return this.#store(body) as T;
  }

  /** Refuses a write carrying a version the object has moved past, as the API server does. */
  #conflictOr(resourceVersion: string | undefined): void {
    if (this.conflicts > 0 || resourceVersion !== this.object?.metadata?.resourceVersion) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      this.object = {
        ...this.object,
        metadata: {
          ...this.object?.metadata,
          resourceVersion: String(Number(this.object?.metadata?.resourceVersion) + 1),
        },
      };
      throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
    }
  }

  #store(object: Thing): Thing {
    const version = String(Number(object.metadata?.resourceVersion) + 1);
    this.object = { ...object, metadata: { ...object.metadata, resourceVersion: version } };
    return structuredClone(this.object);
  }
}

class Sink implements EventSink<string> {
  failing = false;
  constructor(readonly server: FakeServer) {}
  async record(event: string): Promise<void> {
    if (this.failing) throw new Error('sink down');
    this.server.log.push(`event ${event}`);
  }
}

const toPhase = (phase: string) => (current: Thing) =>
  current.status?.phase === phase ? undefined : { status: { phase }, event: `entered ${phase}` };

type Write = Parameters<typeof recordThenUpdateStatus<Thing, string>>;

/** Writes the status of the object ns/t through `client`, recording the event on `server`'s log. */
const update = (client: Write[0], server: FakeServer, transition: Write[4], options?: Write[6]) =>
  recordThenUpdateStatus(client, things, 'ns', 't', transition, new Sink(server), options);

describe('recordThenUpdateStatus', () => {
  it('records the event before it writes the status', async () => {
    const server = new FakeServer();
    const written = await update(server, server, toPhase('Queued'));
    expect(server.log).toEqual(['event entered Queued', 'status patch {"phase":"Queued"}']);
    expect(written?.status).toEqual({ phase: 'Queued' });
    expect(written?.metadata?.resourceVersion).toBe('2');
  });

  it('leaves the status alone when the sink fails', async () => {
    const server = new FakeServer();
    const sink = new Sink(server);
    sink.failing = true;
    await expect(
      recordThenUpdateStatus(server, things, 'ns', 't', toPhase('Queued'), sink),
    ).rejects.toThrow('sink down');
    expect(server.object?.status).toEqual({});
    expect(server.log).toEqual([]);
  });

  it('records and writes nothing when the status would not change', async () => {
    const server = new FakeServer();
    const same = (current: Thing) => ({ status: current.status, event: 'nothing happened' });
    await update(server, server, same);
    await update(server, server, () => undefined);
    expect(server.log).toEqual([]);
  });

  it('computes from a given current object without reading, on its version', async () => {
    const server = new FakeServer();
    let reads = 0;
    const client = {
      get: <T>() => {
        reads += 1;
        return server.get<T>();
      },
      patch: server.patch.bind(server),
      replace: server.replace.bind(server),
    };
    const current = structuredClone(server.object) as Thing;
    const written = await update(client, server, toPhase('Queued'), { current });
    expect(reads).toBe(0);
    expect(server.log).toEqual(['event entered Queued', 'status patch {"phase":"Queued"}']);
    expect(written?.metadata?.resourceVersion).toBe('2');
  });

  it('reads afresh when the given current object lags, and writes on the live version', async () => {
    const server = new FakeServer();
    const stale = structuredClone(server.object) as Thing;
    server.object = {
      metadata: { name: 't', namespace: 'ns', resourceVersion: '5' },
      status: { phase: 'Running' },
    } as Thing;
    await update(server, server, toPhase('Running'), { current: stale });
    // Decided from the stale copy, refused, then computed from the live object: nothing to do.
    expect(server.log).toEqual(['event entered Running']);
    expect(server.object?.status).toEqual({ phase: 'Running' });
  });

  it('recomputes after a conflict and records the recomputed transition', async () => {
    const server = new FakeServer();
    server.conflicts = 1;
    await update(server, server, toPhase('Queued'));
    expect(server.log).toEqual([
      'event entered Queued',
      'event entered Queued',
      'status patch {"phase":"Queued"}',
    ]);
  });

  it('sends only what changed, on the version it read', async () => {
    const server = new FakeServer();
    server.object = {
      metadata: { name: 't', namespace: 'ns', resourceVersion: '7' },
      status: { phase: 'Queued', attempts: 1 },
    } as Thing;
    const written = await update(server, server, (current) => ({
      status: { ...current.status, phase: 'Running' },
      event: 'running',
    }));
    expect(server.log.at(-1)).toBe('status patch {"phase":"Running"}');
    expect(written?.status).toEqual({ phase: 'Running', attempts: 1 });
  });

  it('replaces a status holding a null, which a merge patch would read as a removal', async () => {
    const server = new FakeServer();
    const toNull = () => ({ status: { phase: 'Queued', reason: null }, event: 'queued' });
    const written = await update(server, server, toNull);
    expect(server.log.at(-1)).toBe('status replace {"phase":"Queued","reason":null}');
    expect(written?.status).toEqual({ phase: 'Queued', reason: null });
  });

  it('returns null for an object that does not exist', async () => {
    const server = new FakeServer();
    server.object = null;
    expect(await update(server, server, toPhase('Queued'))).toBeNull();
    expect(server.log).toEqual([]);
  });

  describe('an object re-created under the same name', () => {
    const successor = (): Thing => ({
      metadata: { name: 't', namespace: 'ns', uid: 'uid-2', resourceVersion: '20' },
      status: { phase: 'New' },
    });
    const predecessor = (): Thing => ({
      metadata: { name: 't', namespace: 'ns', uid: 'uid-1', resourceVersion: '10' },
      status: {},
    });

    /**
     * A client of a server holding the predecessor, whose status write finds the object deleted
     * and created again between the read and the write, and fails with `error`.
     */
    const recreatedBeforeWrite = (error: KubernetesApiError) => {
      const server = new FakeServer();
      server.object = predecessor();
      const client = {
        get: server.get.bind(server),
        replace: server.replace.bind(server),
        patch: async () => {
          server.object = successor();
          throw error;
        },
      };
      return { server, client };
    };

    it('is not written through a copy of the one before it, and nothing is recorded for it', async () => {
      const server = new FakeServer();
      server.object = successor();
      const transition = vi.fn(toPhase('Queued'));
      const written = await update(server, server, transition, { current: predecessor() });
      expect(written).toBeNull();
      // The copy's transition was decided and recorded about the copy (uid-1); the conflict's
      // read found uid-2, which is neither computed from nor written.
      expect(transition).toHaveBeenCalledTimes(1);
      expect(transition.mock.calls[0]?.[0].metadata?.uid).toBe('uid-1');
      expect(server.log).toEqual(['event entered Queued']);
      // (The fake moves a refused object's version on, as a concurrent writer would.)
      expect(server.object?.metadata?.uid).toBe('uid-2');
      expect(server.object?.status).toEqual({ phase: 'New' });
    });

    it('reads as gone when its uid is given', async () => {
      const server = new FakeServer();
      server.object = successor();
      const transition = vi.fn(toPhase('Queued'));
      expect(await update(server, server, transition, { uid: 'uid-1' })).toBeNull();
      expect(transition).not.toHaveBeenCalled();
      expect(server.log).toEqual([]);
    });

    it('is not moved on to after a conflict: the first object read pins the retries', async () => {
      const { server, client } = recreatedBeforeWrite(
        new KubernetesApiError('Conflict', 'the object has been modified', 409),
      );
      const transition = vi.fn(toPhase('Queued'));
      expect(await update(client, server, transition)).toBeNull();
      expect(transition).toHaveBeenCalledTimes(1);
      expect(server.object).toEqual(successor());
    });

    it('is not taken for the object a NotFound write was about', async () => {
      const { server, client } = recreatedBeforeWrite(
        new KubernetesApiError('NotFound', 'not found', 404),
      );
      expect(await update(client, server, toPhase('Queued'))).toBeNull();
    });
  });
});
