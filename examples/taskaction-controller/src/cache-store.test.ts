import { ManualClock, ReservationSightings, reservationSpec } from '@roundhouse/controller';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { type CachePolicy, cacheEntryConfigMap, cacheObjectName } from './cache.js';
import { CacheStore, type CacheStoreOptions } from './cache-store.js';

const identity = { namespace: 'flyte', project: 'proj', domain: 'dev', cacheKey: 'k1' };
/** The cache's own namespace: every read and write goes there, never to the action's. */
const cacheNamespace = 'tasks';
const policy: CachePolicy = { identity, serializable: true, owner: 'u1' };
const name = cacheObjectName(identity);
const now = new Date('2026-03-04T05:06:07.000Z');
const heartbeatMs = 10_000;

const leaseOf = (holder: string, resourceVersion = '7', renewed = now) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: cacheNamespace, resourceVersion },
  spec: reservationSpec(undefined, holder, renewed, heartbeatMs),
});

/** How the store judges a Lease: seen on `clock`, its holder under way when `underWay` names it. */
const judging = (clock = new ManualClock(), underWay: string[] = []) => ({
  sightings: new ReservationSightings(clock),
  holdersOf: (leaseName: string) =>
    leaseName === name
      ? underWay.map((uid) => ({ metadata: { uid, name: 'a1', namespace: 'flyte' } }))
      : [],
});

/** A client whose get answers from `objects` by kind, and whose writes are spies. */
function fakeClient(objects: {
  configMap?: KubeObject | null;
  lease?: KubeObject | null;
  namespace?: KubeObject | null;
}) {
  return {
    get: vi.fn(async (type: { kind: string }, namespace: string | undefined) => {
      if (type.kind === 'Namespace') return objects.namespace ?? null;
      if (namespace !== cacheNamespace) return null;
      return type.kind === 'ConfigMap' ? (objects.configMap ?? null) : (objects.lease ?? null);
    }),
    create: vi.fn(async (_t: unknown, _ns: unknown, body: KubeObject) => ({
      object: body,
      warnings: [],
    })),
    replace: vi.fn(async (_t: unknown, _ns: unknown, _n: unknown, body: KubeObject) => body),
    delete: vi.fn(async () => true),
  };
}

const store = (client: ReturnType<typeof fakeClient>, judged = judging()) =>
  new CacheStore({
    client: client as unknown as CacheStoreOptions['client'],
    namespace: cacheNamespace,
    heartbeatMs,
    ...judged,
  });

describe('CacheStore', () => {
  it('looks up the entry only, for a hit or a key that is not serialized', async () => {
    const configMap = cacheEntryConfigMap(cacheNamespace, identity, 's3://out', { name: 'a' });
    const client = fakeClient({ configMap });
    expect(await store(client).lookup(policy, { now })).toEqual({
      lookup: { outputUri: 's3://out', reservation: undefined },
      lease: null,
    });
    const plain = fakeClient({});
    expect(await store(plain).lookup({ ...policy, serializable: false }, { now })).toEqual({
      lookup: { outputUri: undefined, reservation: undefined },
      lease: null,
    });
    expect(client.get).toHaveBeenCalledTimes(1);
    expect(plain.get).toHaveBeenCalledTimes(1);
  });

  it('judges the reservation of a serialized miss', async () => {
    const client = fakeClient({ lease: leaseOf('u2') });
    const { lookup } = await store(client).lookup(policy, { now });
    expect(lookup.reservation).toMatchObject({ state: 'held', holder: 'u2' });
  });

  it('finds the Lease of a holder under way held, however long ago it was renewed', async () => {
    // The controller was down, or stalled, past the Lease's duration: its holder's attempt ran on.
    const client = fakeClient({ lease: leaseOf('u2', '7', new Date(now.getTime() - 3_600_000)) });
    const { lookup } = await store(client, judging(new ManualClock(), ['u2'])).lookup(policy, {
      now,
    });
    expect(lookup.reservation).toEqual({
      state: 'held',
      holder: 'u2',
      expiresAt: new Date(now.getTime() + heartbeatMs),
    });
  });

  it('finds no Lease, or a free one, held by another action whose attempt runs', async () => {
    const executing = {
      metadata: { uid: 'u3', name: 'a3', namespace: 'flyte' },
      status: {
        conditions: [
          {
            type: 'Progressing',
            status: 'True',
            reason: 'Executing',
            message: 'running',
            lastTransitionTime: '2026-03-04T05:00:00Z',
          },
        ],
      },
    };
    const judged = { ...judging(), holdersOf: () => [executing] };
    const held = { state: 'held', holder: 'u3', expiresAt: new Date(now.getTime() + heartbeatMs) };
    const none = await store(fakeClient({}), judged).lookup(policy, { now });
    expect(none.lookup.reservation).toEqual(held);
    const released = { ...leaseOf('u2'), spec: { holderIdentity: '' } };
    const free = await store(fakeClient({ lease: released }), judged).lookup(policy, { now });
    expect(free.lookup.reservation).toEqual(held);
  });

  it('judges a Lease whose holder is gone expired by how long it saw it unchanged, never by its renewTime', async () => {
    for (const skew of [-3_600_000, 3_600_000]) {
      // Renewed an hour before or after this clock's now, by a replica whose clock differs.
      const clock = new ManualClock();
      const judged = store(
        fakeClient({ lease: leaseOf('u2', '7', new Date(now.getTime() + skew)) }),
        judging(clock),
      );
      const look = async () => (await judged.lookup(policy, { now })).lookup.reservation;
      expect(await look()).toEqual({
        state: 'held',
        holder: 'u2',
        expiresAt: new Date(now.getTime() + 3 * heartbeatMs),
      });
      clock.advance(3 * heartbeatMs - 1);
      expect(await look()).toMatchObject({ state: 'held', expiresAt: new Date(now.getTime() + 1) });
      clock.advance(1);
      expect(await look()).toEqual({ state: 'free' });
    }
  });

  it('creates a missing lease and replaces one at the resourceVersion read', async () => {
    const client = fakeClient({});
    expect(await store(client).reserve(policy, null, { now })).toBe(true);
    expect(client.create.mock.calls[0]?.[1]).toBe(cacheNamespace);
    expect(client.create.mock.calls[0]?.[2]).toMatchObject({
      metadata: { name, namespace: cacheNamespace },
      spec: { holderIdentity: 'u1', leaseDurationSeconds: 30 },
    });
    const expired = leaseOf('u2');
    expect(await store(client).reserve(policy, expired, { now })).toBe(true);
    expect(client.replace.mock.calls[0]?.[1]).toBe(cacheNamespace);
    expect(client.replace.mock.calls[0]?.[3]).toMatchObject({
      metadata: { resourceVersion: '7' },
      spec: { holderIdentity: 'u1', leaseTransitions: 1 },
    });
  });

  it('reports a reservation lost to another write, and throws any other error', async () => {
    const client = fakeClient({});
    client.create.mockRejectedValueOnce(new KubernetesApiError('AlreadyExists', 'taken', 409));
    expect(await store(client).reserve(policy, null, { now })).toBe(false);
    client.replace.mockRejectedValueOnce(new KubernetesApiError('Conflict', 'moved', 409));
    expect(await store(client).reserve(policy, leaseOf('u2'), { now })).toBe(false);
    client.create.mockRejectedValueOnce(new KubernetesApiError('Forbidden', 'no', 403));
    await expect(store(client).reserve(policy, null, { now })).rejects.toMatchObject({
      reason: 'Forbidden',
    });
  });

  it("populates the entry in the cache's namespace, and keeps one another action populated first", async () => {
    const written = fakeClient({});
    await expect(
      store(written).populate(policy, 's3://out', { name: 'a' }, { now }),
    ).resolves.toEqual({ populated: true });
    expect(written.create).toHaveBeenCalledWith(
      expect.anything(),
      cacheNamespace,
      cacheEntryConfigMap(cacheNamespace, identity, 's3://out', { name: 'a' }),
      { signal: undefined },
    );
    const client = fakeClient({});
    client.create.mockRejectedValueOnce(new KubernetesApiError('AlreadyExists', 'taken', 409));
    await expect(
      store(client).populate(policy, 's3://out', { name: 'a' }, { now }),
    ).resolves.toEqual({ populated: true });
  });

  it('returns a refused write (a full ConfigMap quota) instead of throwing it: populating is best effort', async () => {
    const client = fakeClient({});
    const quota = new KubernetesApiError('Forbidden', 'exceeded quota: count/configmaps', 403);
    client.create.mockRejectedValueOnce(quota);
    await expect(
      store(client).populate(policy, 's3://out', { name: 'a' }, { now }),
    ).resolves.toEqual({ populated: false, error: quota });
  });

  it('throws what is no API answer, and any failure of a cancelled request', async () => {
    const client = fakeClient({});
    client.create.mockRejectedValueOnce(new TypeError('bug'));
    await expect(
      store(client).populate(policy, 's3://out', { name: 'a' }, { now }),
    ).rejects.toBeInstanceOf(TypeError);
    const controller = new AbortController();
    controller.abort();
    const cancelled = new KubernetesApiError('Forbidden', 'exceeded quota', 403);
    client.create.mockRejectedValueOnce(cancelled);
    await expect(
      store(client).populate(policy, 's3://out', { name: 'a' }, { now, signal: controller.signal }),
    ).rejects.toBe(cancelled);
  });

  it('keeps each namespace within its bound: deletes its oldest entries, read from the informer, before storing one more', async () => {
    const own = (key: string, created: string, uid: string) => {
      const configMap = cacheEntryConfigMap(
        cacheNamespace,
        { ...identity, cacheKey: key },
        's3://o',
        {
          name: key,
        },
      );
      return { ...configMap, metadata: { ...configMap.metadata, uid, creationTimestamp: created } };
    };
    const older = own('k-old', '2026-01-01T00:00:00Z', 'uid-old');
    const newer = own('k-new', '2026-01-01T00:00:01Z', 'uid-new');
    const reader = {
      list: vi.fn(async () => ({ items: [newer, older], resourceVersion: '1' })),
      // The informer of Namespaces lagging a namespace deleted and created again: never asked.
      get: vi.fn(async () => ({ metadata: { name: identity.namespace, uid: 'ns-uid-earlier' } })),
    };
    const client = fakeClient({
      namespace: { metadata: { name: identity.namespace, uid: 'ns-uid' } },
    });
    const bounded = new CacheStore({
      client: client as unknown as CacheStoreOptions['client'],
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
      bound: { reader: reader as never, max: 2 },
    });
    await expect(bounded.populate(policy, 's3://out', { name: 'a' }, { now })).resolves.toEqual({
      populated: true,
    });
    expect(reader.list).toHaveBeenCalledWith(expect.anything(), cacheNamespace, {
      labelSelector: `roundhouse.dev/taskaction-cache=entry,roundhouse.dev/taskaction-cache-namespace=${identity.namespace}`,
      signal: undefined,
    });
    expect(client.delete).toHaveBeenCalledTimes(1);
    expect(client.delete).toHaveBeenCalledWith(
      expect.anything(),
      cacheNamespace,
      older.metadata.name,
      { preconditions: { uid: 'uid-old' }, signal: undefined },
    );
    expect(client.create).toHaveBeenCalledTimes(1);
    // The entry records its namespace's uid, read from the API server, not the informer.
    expect(client.create.mock.calls[0]?.[2]).toMatchObject({ data: { namespaceUid: 'ns-uid' } });
    expect(client.delete.mock.invocationCallOrder[0]).toBeLessThan(
      client.create.mock.invocationCallOrder[0] ?? 0,
    );

    // Its own entry for the key there already: nothing to evict, nothing to store.
    const present = own(identity.cacheKey, '2026-01-01T00:00:02Z', 'uid-k1');
    reader.list.mockResolvedValueOnce({ items: [older, newer, present], resourceVersion: '2' });
    const again = fakeClient({});
    await new CacheStore({
      client: again as unknown as CacheStoreOptions['client'],
      namespace: cacheNamespace,
      heartbeatMs,
      ...judging(),
      bound: { reader: reader as never, max: 2 },
    }).populate(policy, 's3://out', { name: 'a' }, { now });
    expect(again.delete).not.toHaveBeenCalled();
    expect(again.create).not.toHaveBeenCalled();
  });

  it("reads an entry populated in an earlier namespace of the action's name as a miss", async () => {
    const configMap = cacheEntryConfigMap(cacheNamespace, identity, 's3://out', {
      name: 'a',
      namespaceUid: 'ns-uid-1',
    });
    const lookup = async (uid: string) => {
      // The informer of Namespaces, lagging: still the first namespace. Never asked.
      const reader = {
        list: vi.fn(),
        get: vi.fn(async () => ({ metadata: { name: identity.namespace, uid: 'ns-uid-1' } })),
      };
      const namespace = { metadata: { name: identity.namespace, uid } };
      const result = await new CacheStore({
        client: fakeClient({ configMap, namespace }) as unknown as CacheStoreOptions['client'],
        namespace: cacheNamespace,
        heartbeatMs,
        ...judging(),
        bound: { reader: reader as never, max: 2 },
      }).lookup({ ...policy, serializable: false }, { now });
      return result.lookup.outputUri;
    };
    expect(await lookup('ns-uid-1')).toBe('s3://out');
    expect(await lookup('ns-uid-2')).toBeUndefined();
  });

  it('releases only its own reservation, at the resourceVersion read', async () => {
    const mine = fakeClient({ lease: leaseOf('u1', '9') });
    await store(mine).release(policy, { now });
    expect(mine.delete).toHaveBeenCalledWith(expect.anything(), cacheNamespace, name, {
      preconditions: { resourceVersion: '9' },
      signal: undefined,
    });
    const theirs = fakeClient({ lease: leaseOf('u2') });
    await store(theirs).release(policy, { now });
    const none = fakeClient({});
    await store(none).release(policy, { now });
    expect(theirs.delete).not.toHaveBeenCalled();
    expect(none.delete).not.toHaveBeenCalled();
  });
});
