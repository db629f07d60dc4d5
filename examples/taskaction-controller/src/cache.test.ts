import { describe, expect, it } from 'vitest';
import {
  cachedOutputUri,
  cacheEntryConfigMap,
  cacheLabels,
  cacheObjectName,
  cachePolicyOf,
  reservationLease,
} from './cache.js';
import { type TaskAction, TaskActionSchema } from './spec.js';
import { taskAction } from './task-action.test-support.js';

const identity = { namespace: 'flyte', project: 'proj', domain: 'dev', cacheKey: 'k1' };
/** The cache's own namespace, not the action's. */
const cacheNamespace = 'tasks';

const action = (
  spec: Partial<TaskAction['spec']>,
  template: Partial<TaskAction['spec']['taskTemplate']> = {},
) => TaskActionSchema.parse(taskAction({ spec, template }));

describe('cachePolicyOf', () => {
  it('is none without a cache key', () => {
    expect(cachePolicyOf(action({}))).toBeUndefined();
  });

  it('keys by namespace, project, domain and key, owned by the uid', () => {
    expect(cachePolicyOf(action({ cacheKey: 'k1' }))).toEqual({
      identity,
      serializable: false,
      owner: 'u1',
    });
    expect(cachePolicyOf(action({ cacheKey: 'k1' }, { cacheSerializable: true }))).toMatchObject({
      serializable: true,
    });
  });
});

describe('cacheObjectName', () => {
  it('is the same for the same key and a valid name of fixed length for any key', () => {
    const name = cacheObjectName(identity);
    expect(cacheObjectName({ ...identity })).toBe(name);
    expect(name).toMatch(/^taskaction-cache-[0-9a-f]{64}$/);
    expect(cacheObjectName({ ...identity, cacheKey: 'K/é '.repeat(64) })).toMatch(
      /^taskaction-cache-[0-9a-f]{64}$/,
    );
  });

  it('differs with the namespace, the project, the domain or the key, also where a separator would blur them', () => {
    const names = new Set([
      cacheObjectName(identity),
      cacheObjectName({ ...identity, namespace: 'other' }),
      cacheObjectName({ ...identity, project: 'other' }),
      cacheObjectName({ ...identity, domain: 'prod' }),
      cacheObjectName({ ...identity, cacheKey: 'k2' }),
      cacheObjectName({ ...identity, project: 'proj/dev', domain: '', cacheKey: 'k1' }),
      cacheObjectName({ ...identity, namespace: 'flyte/proj', project: 'dev', domain: 'k1' }),
    ]);
    expect(names.size).toBe(7);
  });
});

describe('cacheLabels', () => {
  it("names the object's role and the namespace of the actions it serves", () => {
    expect(cacheLabels(identity, 'entry')).toEqual({
      'roundhouse.dev/taskaction-cache': 'entry',
      'roundhouse.dev/taskaction-cache-namespace': 'flyte',
    });
    expect(cacheLabels({ ...identity, namespace: 'team-b' }, 'reservation')).toEqual({
      'roundhouse.dev/taskaction-cache': 'reservation',
      'roundhouse.dev/taskaction-cache-namespace': 'team-b',
    });
  });
});

describe('cache entries', () => {
  const entry = cacheEntryConfigMap(cacheNamespace, identity, 's3://bucket/run1/a0/1/outputs.pb', {
    name: 'run1-a0',
    uid: 'u1',
  });

  it("is an immutable, labelled ConfigMap in the cache's namespace holding the outputs", () => {
    expect(entry).toEqual({
      metadata: {
        name: cacheObjectName(identity),
        namespace: 'tasks',
        labels: {
          'roundhouse.dev/taskaction-cache': 'entry',
          'roundhouse.dev/taskaction-cache-namespace': 'flyte',
        },
      },
      immutable: true,
      data: {
        namespace: 'flyte',
        project: 'proj',
        domain: 'dev',
        cacheKey: 'k1',
        outputUri: 's3://bucket/run1/a0/1/outputs.pb',
        populatedBy: 'run1-a0',
        populatedByUid: 'u1',
      },
    });
  });

  it('reads back its outputs for the same identity only', () => {
    expect(cachedOutputUri(entry, identity)).toBe('s3://bucket/run1/a0/1/outputs.pb');
    expect(cachedOutputUri(entry, { ...identity, cacheKey: 'k2' })).toBeUndefined();
    expect(cachedOutputUri(entry, { ...identity, domain: 'prod' })).toBeUndefined();
    expect(cachedOutputUri(entry, { ...identity, namespace: 'other' })).toBeUndefined();
    // An entry of before the cache moved out of the action's namespace names none: no hit.
    const { namespace: _, ...unscoped } = entry.data;
    expect(cachedOutputUri({ ...entry, data: unscoped }, identity)).toBeUndefined();
    expect(cachedOutputUri(null, identity)).toBeUndefined();
    expect(
      cachedOutputUri({ metadata: {}, data: { foo: 'bar' } } as never, identity),
    ).toBeUndefined();
  });

  it('reads an entry populated in an earlier namespace of the name as no entry', () => {
    const populatedBy = { name: 'run1-a0', namespaceUid: 'ns-uid-1' };
    const recorded = cacheEntryConfigMap(cacheNamespace, identity, 's3://out', populatedBy);
    expect(recorded.data.namespaceUid).toBe('ns-uid-1');
    expect(cachedOutputUri(recorded, identity, { uid: 'ns-uid-1' })).toBe('s3://out');
    expect(cachedOutputUri(recorded, identity, { uid: 'ns-uid-2' })).toBeUndefined();
    // Without the namespace now: by name.
    expect(cachedOutputUri(recorded, identity)).toBe('s3://out');
  });

  it('reads an entry that records no uid, stored before its namespace was created, as no entry', () => {
    const at = (stored: string) => ({
      ...entry,
      metadata: { ...entry.metadata, creationTimestamp: stored },
    });
    const now = { uid: 'ns-uid-2', creationTimestamp: '2026-01-01T00:00:01Z' };
    expect(cachedOutputUri(at('2026-01-01T00:00:00Z'), identity, now)).toBeUndefined();
    expect(cachedOutputUri(at('2026-01-01T00:00:02Z'), identity, now)).toBe(
      's3://bucket/run1/a0/1/outputs.pb',
    );
    // Either time unknown: not known to be earlier, judged by name.
    expect(cachedOutputUri(entry, identity, now)).toBe('s3://bucket/run1/a0/1/outputs.pb');
  });

  it('reads an entry whose URI no valid action could have written as no entry', () => {
    const populatedBy = { name: 'run1-a0' };
    const long = cacheEntryConfigMap(
      cacheNamespace,
      identity,
      `s3://${'x'.repeat(3000)}`,
      populatedBy,
    );
    expect(cachedOutputUri(long, identity)).toBeUndefined();
    const longest = `s3://${'x'.repeat(2043)}/${'a'.repeat(30)}/11/outputs.pb`;
    expect(
      cachedOutputUri(
        cacheEntryConfigMap(cacheNamespace, identity, longest, populatedBy),
        identity,
      ),
    ).toBe(longest);
  });
});

describe('reservationLease', () => {
  it("names the lease as the entry, in the cache's namespace, labelled as a reservation", () => {
    const spec = { holderIdentity: 'u1', leaseDurationSeconds: 30 };
    expect(reservationLease(cacheNamespace, identity, spec)).toEqual({
      metadata: {
        name: cacheObjectName(identity),
        namespace: 'tasks',
        labels: {
          'roundhouse.dev/taskaction-cache': 'reservation',
          'roundhouse.dev/taskaction-cache-namespace': 'flyte',
        },
      },
      spec,
    });
  });
});
