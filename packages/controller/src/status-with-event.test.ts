import { type KubeObject, KubernetesApiError, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import type { EventSink } from './event-sink.js';
import { recordThenUpdateStatus } from './status-with-event.js';

const things: ResourceType = {
  group: 'x',
  version: 'v1',
  kind: 'Thing',
  plural: 'things',
  namespaced: true,
};
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

  async replace<T>(_t: ResourceType, _ns: string, _n: string, body: Thing): Promise<T> {
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
    }
    this.log.push(`status ${body.status?.phase}`);
    this.object = { ...body, metadata: { ...body.metadata, resourceVersion: 'next' } };
    return structuredClone(this.object) as T;
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

describe('recordThenUpdateStatus', () => {
  it('records the event before it writes the status', async () => {
    const server = new FakeServer();
    const written = await recordThenUpdateStatus(
      server,
      things,
      'ns',
      't',
      toPhase('Queued'),
      new Sink(server),
    );
    expect(server.log).toEqual(['event entered Queued', 'status Queued']);
    expect(written?.status).toEqual({ phase: 'Queued' });
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
    await recordThenUpdateStatus(server, things, 'ns', 't', same, new Sink(server));
    await recordThenUpdateStatus(server, things, 'ns', 't', () => undefined, new Sink(server));
    expect(server.log).toEqual([]);
  });

  it('recomputes after a conflict and records the recomputed transition', async () => {
    const server = new FakeServer();
    server.conflicts = 1;
    await recordThenUpdateStatus(server, things, 'ns', 't', toPhase('Queued'), new Sink(server));
    expect(server.log).toEqual(['event entered Queued', 'event entered Queued', 'status Queued']);
  });

  it('returns null for an object that does not exist', async () => {
    const server = new FakeServer();
    server.object = null;
    expect(
      await recordThenUpdateStatus(server, things, 'ns', 't', toPhase('Queued'), new Sink(server)),
    ).toBeNull();
    expect(server.log).toEqual([]);
  });
});
