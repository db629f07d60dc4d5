import { ManualClock, ReservationSightings, reservationSpec } from '@roundhouse/controller';
import {
  type KubeObject,
  KubernetesApiError,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { cacheEntryConfigMap, reservationLease } from './cache.js';
import { CacheCollector, type CacheCollectorOptions } from './cache-collector.js';

const cacheNamespace = 'tasks';

const entry = (namespace: string, cacheKey: string, uid: string) => {
  const configMap = cacheEntryConfigMap(
    cacheNamespace,
    { namespace, project: 'proj', domain: 'dev', cacheKey },
    's3://bucket/out',
    { name: 'run1-a0', namespaceUid: 'ns-uid-1' },
  );
  return { ...configMap, metadata: { ...configMap.metadata, uid } };
};

const heartbeatMs = 10_000;

/**
 * How the collector judges Leases: seen on `clock`, no holder under way but those `underWay`
 * names (by uid), every action known unless `known` says otherwise.
 */
const judging = (clock = new ManualClock(), underWay: string[] = [], known = true) => ({
  sightings: new ReservationSightings(clock),
  holdersOf: () => underWay.map((uid) => ({ metadata: { uid, name: 'a1', namespace: 'flyte' } })),
  holdersKnown: () => known,
});

/**
 * A reader whose Namespaces are `existing`, whose entries are `entries` and whose reservation
 * Leases are `leases`, as informers hold them.
 */
function fakeReader(
  existing: Record<string, string>,
  entries: KubeObject[],
  leases: KubeObject[] = [],
) {
  const reader = {
    get: vi.fn(async (_type: unknown, _ns: unknown, name: string) =>
      existing[name] ? { metadata: { name, uid: existing[name] } } : null,
    ),
    list: vi.fn(async (type: ResourceType, _ns: unknown, _options?: { signal?: AbortSignal }) => ({
      items: type === resources.leases ? leases : entries,
      resourceVersion: '1',
    })),
  };
  return reader as typeof reader & CacheCollectorOptions['reader'];
}

/** How many times `reader` listed entries (each sweep lists them, then the Leases). */
const entryLists = (reader: ReturnType<typeof fakeReader>) =>
  reader.list.mock.calls.filter(([type]) => type === resources.configMaps).length;

describe('CacheCollector', () => {
  const gone = [entry('team-a', 'k1', 'e1'), entry('team-a', 'k2', 'e2')];

  it("deletes a gone namespace's entries, each at the uid read; an entry replaced meanwhile is left", async () => {
    const reader = fakeReader({}, gone);
    const client = {
      delete: vi
        .fn(async () => true)
        .mockRejectedValueOnce(new KubernetesApiError('Conflict', 'uid precondition', 409)),
    };
    const collector = new CacheCollector({
      client,
      reader,
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
    });
    expect(await collector.sweep('team-a')).toBe(1);
    expect(reader.list).toHaveBeenCalledWith(expect.anything(), cacheNamespace, {
      labelSelector:
        'roundhouse.dev/taskaction-cache=entry,roundhouse.dev/taskaction-cache-namespace=team-a',
    });
    expect(client.delete.mock.calls).toEqual([
      [expect.anything(), cacheNamespace, gone[0]?.metadata.name, { preconditions: { uid: 'e1' } }],
      [expect.anything(), cacheNamespace, gone[1]?.metadata.name, { preconditions: { uid: 'e2' } }],
    ]);
  });

  it('deletes nothing of a namespace that exists as the entries record it', async () => {
    const client = { delete: vi.fn(async () => true) };
    const collector = new CacheCollector({
      client,
      reader: fakeReader({ 'team-a': 'ns-uid-1' }, gone),
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
    });
    expect(await collector.sweep('team-a')).toBe(0);
    expect(client.delete).not.toHaveBeenCalled();
  });

  it('sweeps once more, not once per ask, for the asks that come while a sweep runs', async () => {
    const reader = fakeReader({}, gone);
    let release = () => {};
    reader.list.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          release = () => resolve({ items: gone, resourceVersion: '1' });
        }),
    );
    const client = { delete: vi.fn(async () => true) };
    const collector = new CacheCollector({
      client,
      reader,
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
    });
    collector.runUntil(new AbortController().signal);
    collector.collect('team-a');
    await vi.waitFor(() => expect(entryLists(reader)).toBe(1));
    for (let i = 0; i < 4; i++) collector.collect('team-a');
    release();
    await vi.waitFor(() => expect(client.delete).toHaveBeenCalledTimes(4));
    // Every promise settled: a third sweep would have listed by now.
    await new Promise((resolve) => setImmediate(resolve));
    expect(entryLists(reader)).toBe(2);
  });

  it('lists the entries before it reads the Namespace, and reads none for a namespace without entries', async () => {
    const reader = fakeReader({}, gone);
    const collector = new CacheCollector({
      client: { delete: vi.fn(async () => true) },
      reader,
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
    });
    await collector.sweep('team-a');
    expect(reader.list.mock.invocationCallOrder[0]).toBeLessThan(
      reader.get.mock.invocationCallOrder[0] ?? 0,
    );
    reader.list.mockResolvedValueOnce({ items: [], resourceVersion: '2' });
    await collector.sweep('team-b');
    expect(reader.get).toHaveBeenCalledTimes(1);
  });

  it('sweeps nothing before it runs nor once its run stopped, and stops the sweeps running', async () => {
    const reader = fakeReader({}, gone);
    const client = { delete: vi.fn(async () => true) };
    const collector = new CacheCollector({
      client,
      reader,
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
    });
    collector.collect('team-a');
    const run = new AbortController();
    collector.runUntil(run.signal);
    let listed!: (options: { signal?: AbortSignal }) => void;
    const signalled = new Promise<{ signal?: AbortSignal }>((resolve) => {
      listed = resolve;
    });
    reader.list.mockImplementationOnce(async (_t, _ns, options) => {
      listed(options ?? {});
      return await new Promise(() => {});
    });
    collector.collect('team-a');
    const { signal } = await signalled;
    expect(signal).toBe(run.signal);
    run.abort();
    collector.collect('team-b');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.list).toHaveBeenCalledTimes(1);
    expect(client.delete).not.toHaveBeenCalled();
  });

  it('sweeps at most `concurrency` namespaces at once, and every one asked for', async () => {
    const reader = fakeReader({}, []);
    const releases: (() => void)[] = [];
    reader.list.mockImplementation(async (type) => {
      if (type === resources.leases) return { items: [], resourceVersion: '1' };
      return await new Promise((resolve) => {
        releases.push(() => resolve({ items: [], resourceVersion: '1' }));
      });
    });
    const collector = new CacheCollector({
      client: { delete: vi.fn(async () => true) },
      reader,
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
      concurrency: 2,
    });
    collector.runUntil(new AbortController().signal);
    for (const namespace of ['a', 'b', 'c', 'd', 'e']) collector.collect(namespace);
    await new Promise((resolve) => setImmediate(resolve));
    expect(entryLists(reader)).toBe(2);
    for (let swept = 2; swept < 5; swept++) {
      releases.shift()?.();
      await vi.waitFor(() => expect(entryLists(reader)).toBe(swept + 1));
    }
    const selectors = reader.list.mock.calls
      .filter(([type]) => type === resources.configMaps)
      .map((call) => (call as unknown[])[2]);
    expect(
      selectors.map((o) => (o as { labelSelector: string }).labelSelector.split('=').at(-1)),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  describe('reservation Leases', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    const lease = (cacheKey: string, uid: string, holder = 'holder-uid', version = 1) => {
      const written = reservationLease(
        cacheNamespace,
        { namespace: 'team-a', project: 'proj', domain: 'dev', cacheKey },
        reservationSpec(undefined, holder, now, heartbeatMs),
      );
      const resourceVersion = `rv-${uid}-${version}`;
      return { ...written, metadata: { ...written.metadata, uid, resourceVersion } };
    };
    const crashLeft = lease('left', 'l1');
    const live = lease('live', 'l2');

    it("deletes a namespace's reservations seen unchanged for three heartbeats at the uid and resourceVersion read, and keeps one renewed meanwhile", async () => {
      const leases = [crashLeft, live];
      const reader = fakeReader({ 'team-a': 'ns-uid-1' }, [], leases);
      const client = { delete: vi.fn(async () => true) };
      const clock = new ManualClock();
      const collector = new CacheCollector({
        client,
        reader,
        namespace: cacheNamespace,
        heartbeatMs,
        ...judging(clock),
      });
      // First seen now, whatever their renewTime: not expired until seen so for their duration.
      expect(await collector.sweep('team-a')).toBe(0);
      clock.advance(3 * heartbeatMs - 1);
      leases[1] = lease('live', 'l2', 'holder-uid', 2);
      expect(await collector.sweep('team-a')).toBe(0);
      clock.advance(1);
      expect(await collector.sweep('team-a')).toBe(1);
      expect(reader.list).toHaveBeenCalledWith(resources.leases, cacheNamespace, {
        labelSelector:
          'roundhouse.dev/taskaction-cache=reservation,roundhouse.dev/taskaction-cache-namespace=team-a',
      });
      expect(client.delete.mock.calls).toEqual([
        [
          resources.leases,
          cacheNamespace,
          crashLeft.metadata.name,
          { preconditions: { uid: 'l1', resourceVersion: 'rv-l1-1' } },
        ],
      ]);
    });

    it('keeps a Lease whose holder is an action under way, and collects none before the actions are known', async () => {
      const reader = fakeReader({}, [], [lease('running', 'r1', 'running-uid')]);
      const client = { delete: vi.fn(async () => true) };
      const clock = new ManualClock();
      const options = { client, reader, namespace: cacheNamespace, heartbeatMs };
      const held = new CacheCollector({ ...options, ...judging(clock, ['running-uid']) });
      await held.sweep('team-a');
      clock.advance(60 * heartbeatMs);
      expect(await held.sweep('team-a')).toBe(0);
      const unknown = new CacheCollector({ ...options, ...judging(clock, [], false) });
      expect(await unknown.sweep('team-a')).toBe(0);
      // The held collector listed the Leases twice; the other, none.
      expect(reader.list.mock.calls.filter(([type]) => type === resources.leases)).toHaveLength(2);
      expect(client.delete).not.toHaveBeenCalled();
    });

    it('leaves one renewed or taken over since it was read (a Conflict), and throws any other error', async () => {
      const reader = fakeReader({}, [], [crashLeft]);
      const client = {
        delete: vi
          .fn(async () => true)
          .mockRejectedValueOnce(new KubernetesApiError('Conflict', 'precondition', 409))
          .mockRejectedValueOnce(new KubernetesApiError('Forbidden', 'no', 403)),
      };
      const clock = new ManualClock();
      const collector = new CacheCollector({
        client,
        reader,
        namespace: cacheNamespace,
        heartbeatMs,
        ...judging(clock),
      });
      await collector.sweep('team-a');
      clock.advance(3 * heartbeatMs);
      expect(await collector.sweep('team-a')).toBe(0);
      await expect(collector.sweep('team-a')).rejects.toMatchObject({ reason: 'Forbidden' });
    });
  });
});
