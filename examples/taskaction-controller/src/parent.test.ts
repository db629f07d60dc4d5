import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  AmbiguousParentActionError,
  findParents,
  indexByActionName,
  indexWaitingForParent,
  ownByParent,
  ownByParentIfPresent,
  ownerReferenceTo,
  parentIndexValue,
} from './parent.js';

const action = (
  name: string,
  spec: Record<string, unknown>,
  ownerReferences: NonNullable<KubeObject['metadata']>['ownerReferences'] = [],
): KubeObject => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'TaskAction',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ownerReferences },
  spec: { runName: 'run1', ...spec },
});

describe('waiting for a parent', () => {
  const parent = action('run1-a0', { actionName: 'a0' });
  const child = action('run1-a1', { actionName: 'a1', parentActionName: 'a0' });

  it('indexes a child without its owner under the parent that wakes it', () => {
    expect(indexWaitingForParent(child)).toEqual([parentIndexValue(parent)]);
  });

  it('indexes every action under its own name, where its children look for it', () => {
    expect(indexByActionName(parent)).toEqual(indexWaitingForParent(child));
    expect(indexByActionName({ metadata: { name: 'x' }, spec: { runName: 'run1' } })).toEqual([]);
  });

  it('does not index a root, a child already owned, or one of another run or namespace', () => {
    expect(indexWaitingForParent(parent)).toEqual([]);
    const owned = action('run1-a1', { actionName: 'a1', parentActionName: 'a0' }, [
      ownerReferenceTo({ metadata: { name: 'run1-a0', uid: 'uid-run1-a0' } }),
    ]);
    expect(indexWaitingForParent(owned)).toEqual([]);
    const otherRun = action('run2-a0', { runName: 'run2', actionName: 'a0' });
    expect(parentIndexValue(otherRun)).not.toEqual(indexWaitingForParent(child)[0]);
    const elsewhere = { ...parent, metadata: { ...parent.metadata, namespace: 'other' } };
    expect(parentIndexValue(elsewhere)).not.toEqual(indexWaitingForParent(child)[0]);
  });

  it('finds no parent in one being deleted, whose deletion would take the child it owned', () => {
    const names = {
      metadata: { name: 'run1-a1', namespace: 'ns', uid: 'uid-run1-a1' },
      spec: { runName: 'run1', parentActionName: 'a0' },
    };
    expect(findParents(names, [parent])).toHaveLength(1);
    const deleting = {
      ...parent,
      metadata: { ...parent.metadata, deletionTimestamp: '2026-03-01T10:00:00Z' },
    };
    expect(findParents(names, [deleting])).toEqual([]);
  });

  it('keeps names with separators apart', () => {
    const tricky = action('x', { runName: 'run1/a0', actionName: 'b' });
    const plain = action('y', { runName: 'run1', actionName: 'a0/b' });
    expect(parentIndexValue(tricky)).not.toEqual(parentIndexValue(plain));
  });

  it('ignores an object whose spec is not an action', () => {
    expect(indexWaitingForParent({ metadata: { name: 'x' }, spec: 'nonsense' })).toEqual([]);
    expect(parentIndexValue({ metadata: { name: 'x' } })).toBeUndefined();
  });
});

describe('taking a parent as owner', () => {
  const child = action('run1-a1', { actionName: 'a1', parentActionName: 'a0' });
  const childNames = {
    metadata: { name: 'run1-a1', namespace: 'ns', uid: 'uid-run1-a1' },
    spec: { runName: 'run1', parentActionName: 'a0' },
  };
  const patched: unknown[] = [];
  const client = {
    patch: async (_type: unknown, _ns: string, _name: string, patch: unknown) => {
      patched.push(patch);
      return child;
    },
  } as unknown as KubeClient;
  const io = (candidates: KubeObject[]) => ({
    client,
    actions: { byIndex: () => candidates },
    signal: new AbortController().signal,
  });

  it('takes the one action of the run with the parent action name', async () => {
    patched.length = 0;
    const parent = action('run1-a0', { actionName: 'a0' });
    await ownByParent(child, childNames, io([parent]));
    expect(patched).toEqual([
      {
        metadata: {
          ownerReferences: [
            ownerReferenceTo({ metadata: { name: 'run1-a0', uid: 'uid-run1-a0' } }),
          ],
        },
      },
    ]);
  });

  it('takes none when another action claims the same run and action name, naming both', async () => {
    patched.length = 0;
    const decoy = action('aa-decoy', { actionName: 'a0' });
    const parent = action('run1-a0', { actionName: 'a0' });
    const waiting = ownByParent(child, childNames, io([decoy, parent]));
    await expect(waiting).rejects.toBeInstanceOf(AmbiguousParentActionError);
    await expect(waiting).rejects.toThrow(
      'TaskAction ns/run1-a1 waits for its parent: 2 TaskActions of run run1 have actionName a0 (aa-decoy, run1-a0)',
    );
    expect(await ownByParentIfPresent(child, childNames, io([decoy, parent]))).toBeUndefined();
    expect(patched).toEqual([]);
  });

  it('names a run and action name that hold terminal controls as escapes when it waits', async () => {
    const names = { ...childNames, spec: { runName: 'r\u009b2J', parentActionName: 'a\u202e0' } };
    await expect(ownByParent(child, names, io([]))).rejects.toThrow(
      'no TaskAction of run r\\x9b2J has actionName a\\u202e0',
    );
  });
});
