import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  indexByActionName,
  indexWaitingForParent,
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
