import { describe, expect, it } from 'vitest';
import {
  cachedOutputUri,
  cacheEntryConfigMap,
  cacheObjectName,
  cachePolicyOf,
  reservationLease,
} from './cache.js';
import { type TaskAction, TaskActionSchema } from './spec.js';
import { taskAction } from './task-action.test-support.js';

const identity = { namespace: 'flyte', project: 'proj', domain: 'dev', cacheKey: 'k1' };

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
    expect(cacheObjectName({ ...identity, namespace: 'other' })).toBe(name);
    expect(name).toMatch(/^taskaction-cache-[0-9a-f]{64}$/);
    expect(cacheObjectName({ ...identity, cacheKey: 'K/é '.repeat(64) })).toMatch(
      /^taskaction-cache-[0-9a-f]{64}$/,
    );
  });

  it('differs with the project, the domain or the key, also where a separator would blur them', () => {
    const names = new Set([
      cacheObjectName(identity),
      cacheObjectName({ ...identity, project: 'other' }),
      cacheObjectName({ ...identity, domain: 'prod' }),
      cacheObjectName({ ...identity, cacheKey: 'k2' }),
      cacheObjectName({ ...identity, project: 'proj/dev', domain: '', cacheKey: 'k1' }),
    ]);
    expect(names.size).toBe(5);
  });
});

describe('cache entries', () => {
  const entry = cacheEntryConfigMap(identity, 's3://bucket/run1/a0/1/outputs.pb', {
    name: 'run1-a0',
    uid: 'u1',
  });

  it('is an immutable, labelled ConfigMap in the action namespace holding the outputs', () => {
    expect(entry).toEqual({
      metadata: {
        name: cacheObjectName(identity),
        namespace: 'flyte',
        labels: { 'roundhouse.dev/taskaction-cache': 'entry' },
      },
      immutable: true,
      data: {
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
    expect(cachedOutputUri(null, identity)).toBeUndefined();
    expect(
      cachedOutputUri({ metadata: {}, data: { foo: 'bar' } } as never, identity),
    ).toBeUndefined();
  });

  it('reads an entry whose URI no valid action could have written as no entry', () => {
    const populatedBy = { name: 'run1-a0' };
    const long = cacheEntryConfigMap(identity, `s3://${'x'.repeat(3000)}`, populatedBy);
    expect(cachedOutputUri(long, identity)).toBeUndefined();
    const longest = `s3://${'x'.repeat(2043)}/${'a'.repeat(30)}/11/outputs.pb`;
    expect(cachedOutputUri(cacheEntryConfigMap(identity, longest, populatedBy), identity)).toBe(
      longest,
    );
  });
});

describe('reservationLease', () => {
  it('names the lease as the entry, labelled as a reservation', () => {
    const spec = { holderIdentity: 'u1', leaseDurationSeconds: 30 };
    expect(reservationLease(identity, spec)).toEqual({
      metadata: {
        name: cacheObjectName(identity),
        namespace: 'flyte',
        labels: { 'roundhouse.dev/taskaction-cache': 'reservation' },
      },
      spec,
    });
  });
});
