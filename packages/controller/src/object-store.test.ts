import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from './object-store.js';

type Item = KubeObject & { spec?: { target?: string } };

const item = (name: string, target: string, resourceVersion = '1'): Item => ({
  metadata: { name, namespace: 'ns', resourceVersion, uid: name },
  spec: { target },
});

describe('ObjectStore indexes', () => {
  const byTarget = (obj: Item) => (obj.spec?.target ? [obj.spec.target] : []);
  const names = (objects: Item[]) => objects.map((o) => o.metadata?.name).sort();

  it('finds objects by an indexed value, including those cached before the index existed', () => {
    const store = new ObjectStore<Item>();
    store.upsert(item('a', 'app-1'));
    store.addIndex('target', byTarget);
    store.upsert(item('b', 'app-1'));
    store.upsert(item('c', 'app-2'));
    expect(names(store.byIndex('target', 'app-1'))).toEqual(['a', 'b']);
    expect(store.byIndex('unknown', 'app-1')).toEqual([]);
  });

  it('moves an updated object to its new value and forgets a deleted one', () => {
    const store = new ObjectStore<Item>();
    store.addIndex('target', byTarget);
    store.upsert(item('a', 'app-1'));
    store.upsert(item('a', 'app-2', '2'));
    expect(store.byIndex('target', 'app-1')).toEqual([]);
    expect(names(store.byIndex('target', 'app-2'))).toEqual(['a']);
    store.remove(item('a', 'app-2', '2'));
    expect(store.byIndex('target', 'app-2')).toEqual([]);
  });

  it('rebuilds the index from a relist', () => {
    const store = new ObjectStore<Item>();
    store.addIndex('target', byTarget);
    store.upsert(item('a', 'app-1'));
    store.replace([item('b', 'app-1'), item('c', 'app-3')]);
    expect(names(store.byIndex('target', 'app-1'))).toEqual(['b']);
    expect(names(store.byIndex('target', 'app-3'))).toEqual(['c']);
  });
});
