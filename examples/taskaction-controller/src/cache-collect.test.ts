import { describe, expect, it } from 'vitest';
import { cacheEntryConfigMap } from './cache.js';
import { entriesToCollect } from './cache-collect.js';

const entry = (namespace: string, cacheKey: string, namespaceUid?: string) =>
  cacheEntryConfigMap(
    'tasks',
    { namespace, project: 'proj', domain: 'dev', cacheKey },
    's3://bucket/out',
    { name: 'run1-a0', namespaceUid },
  );

const names = (entries: { metadata?: { name?: string } }[]) => entries.map((e) => e.metadata?.name);

describe('entriesToCollect', () => {
  const first = entry('team-a', 'k1', 'uid-1');
  const second = entry('team-a', 'k2', 'uid-1');
  const unrecorded = entry('team-a', 'k3');
  const others = entry('team-b', 'k1', 'uid-b');
  const all = [first, second, unrecorded, others];

  it("takes every entry of a namespace that is gone, and none of another namespace's", () => {
    expect(names(entriesToCollect(all, 'team-a', null))).toEqual(
      names([first, second, unrecorded]),
    );
    expect(entriesToCollect(all, 'team-c', null)).toEqual([]);
  });

  it('keeps every entry of the namespace as it exists now', () => {
    expect(entriesToCollect(all, 'team-a', { uid: 'uid-1' })).toEqual([]);
    expect(entriesToCollect(all, 'team-b', { uid: 'uid-b' })).toEqual([]);
  });

  it('takes the entries of an earlier namespace of the name, by uid', () => {
    expect(names(entriesToCollect(all, 'team-a', { uid: 'uid-2' }))).toEqual(
      names([first, second]),
    );
    // A namespace whose uid is unknown cannot be told from the one the entry records.
    expect(entriesToCollect(all, 'team-a', {})).toEqual([]);
  });

  it('takes an entry that records no uid when it was stored before the namespace was created', () => {
    const at = (stored: string) => ({
      ...unrecorded,
      metadata: { ...unrecorded.metadata, creationTimestamp: stored },
    });
    const before = at('2026-01-01T00:00:00Z');
    const after = at('2026-01-01T00:00:02Z');
    const now = { uid: 'uid-2', creationTimestamp: '2026-01-01T00:00:01Z' };
    expect(names(entriesToCollect([before, after], 'team-a', now))).toEqual(names([before]));
    // Either time unknown: not known to be earlier, kept.
    expect(entriesToCollect([unrecorded], 'team-a', now)).toEqual([]);
    expect(entriesToCollect([before], 'team-a', { uid: 'uid-2' })).toEqual([]);
  });
});
