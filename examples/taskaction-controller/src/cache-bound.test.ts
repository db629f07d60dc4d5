import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { cacheNamespaceLabel } from './cache.js';
import { entriesToEvict } from './cache-bound.js';

const entry = (name: string, namespace: string, created: string): KubeObject => ({
  metadata: {
    name,
    creationTimestamp: created,
    labels: { [cacheNamespaceLabel]: namespace },
  },
});

const names = (entries: KubeObject[]) => entries.map((e) => e.metadata?.name);

describe('entriesToEvict', () => {
  const entries = [
    entry('a-new', 'a', '2026-01-01T00:00:03Z'),
    entry('b-old', 'b', '2026-01-01T00:00:00Z'),
    entry('a-old', 'a', '2026-01-01T00:00:01Z'),
    entry('a-mid-2', 'a', '2026-01-01T00:00:02Z'),
    entry('a-mid-1', 'a', '2026-01-01T00:00:02Z'),
  ];

  it('evicts nothing while the namespace stays within the bound with one more', () => {
    expect(entriesToEvict(entries, 'a', 5)).toEqual([]);
    expect(entriesToEvict(entries, 'b', 2)).toEqual([]);
    expect(entriesToEvict(entries, 'c', 1)).toEqual([]);
  });

  it("evicts the namespace's own oldest first, by creation then name, to leave room for one", () => {
    expect(names(entriesToEvict(entries, 'a', 4))).toEqual(['a-old']);
    expect(names(entriesToEvict(entries, 'a', 3))).toEqual(['a-old', 'a-mid-1']);
    expect(names(entriesToEvict(entries, 'a', 1))).toEqual([
      'a-old',
      'a-mid-1',
      'a-mid-2',
      'a-new',
    ]);
  });

  it("never evicts another namespace's entry, however old", () => {
    expect(names(entriesToEvict(entries, 'b', 1))).toEqual(['b-old']);
    for (const max of [1, 2, 3]) {
      expect(names(entriesToEvict(entries, 'a', max))).not.toContain('b-old');
    }
  });
});
