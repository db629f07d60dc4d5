import { describe, expect, it } from 'vitest';
import { objectKey, splitKey } from './keys.js';
import { mapByLabels, mapByOwnerReferences } from './mappers.js';

describe('objectKey and splitKey', () => {
  it('round-trip namespaced and cluster-scoped objects', () => {
    expect(objectKey({ metadata: { namespace: 'team-a', name: 'wfe-1' } })).toBe('team-a/wfe-1');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(splitKey('team-a/wfe-1')).toEqual({ namespace: 'team-a', name: 'wfe-1' });
    expect(splitKey('node-1')).toEqual({ name: 'node-1' });
  });
});

describe('mapByLabels', () => {
  const map = mapByLabels('roundhouse.dev/workflow-execution', 'roundhouse.dev/source-namespace');

  it('maps to the owner named by the labels, in another namespace', () => {
    const job = {
      metadata: {
        namespace: 'executions',
        name: 'wfe-c00449355dfb987a',
        labels: {
          'roundhouse.dev/workflow-execution': 'restart-1',
          'roundhouse.dev/source-namespace': 'team-a',
        },
      },
    };
    expect(map(job)).toEqual(['team-a/restart-1']);
  });

  it('maps to nothing when a label is missing', () => {
    expect(map({ metadata: { labels: { 'roundhouse.dev/workflow-execution': 'x' } } })).toEqual([]);
    expect(map({ metadata: {} })).toEqual([]);
  });
});

describe('mapByOwnerReferences', () => {
  const pod = {
    metadata: {
      namespace: 'ns',
      name: 'p',
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'j1', uid: '1' },
        { apiVersion: 'example.com/v1', kind: 'Job', name: 'j2', uid: '2' },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '3' },
      ],
    },
  };

  it('maps to every owner of the kind, in the object namespace', () => {
    expect(mapByOwnerReferences('Job')(pod)).toEqual(['ns/j1', 'ns/j2']);
  });

  it('filters by API group, the core group being empty', () => {
    expect(mapByOwnerReferences('Job', 'batch')(pod)).toEqual(['ns/j1']);
    expect(mapByOwnerReferences('Job', '')(pod)).toEqual([]);
  });

  it('maps an object without owners to nothing', () => {
    expect(mapByOwnerReferences('Job')({ metadata: { name: 'x' } })).toEqual([]);
  });
});
