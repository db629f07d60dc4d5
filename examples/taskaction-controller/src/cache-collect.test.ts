import { reservationSpec } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { cacheEntryConfigMap, cacheLabel, reservationLease } from './cache.js';
import { entriesToCollect, reservationsToCollect } from './cache-collect.js';

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

describe('reservationsToCollect', () => {
  const heartbeatMs = 10_000;
  const now = new Date('2026-01-01T00:10:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  /** The Lease a holder took or last renewed at `renewed`, as the store writes it. */
  const lease = (namespace: string, cacheKey: string, renewed: Date, holder = 'action-uid') => {
    const written = reservationLease(
      'tasks',
      { namespace, project: 'proj', domain: 'dev', cacheKey },
      reservationSpec(undefined, holder, renewed, heartbeatMs),
    );
    return { ...written, metadata: { ...written.metadata, resourceVersion: '7', uid: cacheKey } };
  };
  const uids = (leases: KubeObject[]) => leases.map((l) => l.metadata?.uid);

  it('takes a Lease expired three heartbeats after its last renewal, and keeps one renewed since', () => {
    const crashLeft = lease('team-a', 'left', ago(3 * heartbeatMs));
    const live = lease('team-a', 'live', ago(3 * heartbeatMs - 1));
    const justRenewed = lease('team-a', 'renewed', now);
    expect(
      uids(reservationsToCollect([crashLeft, live, justRenewed], 'team-a', now, heartbeatMs)),
    ).toEqual(['left']);
  });

  it("takes only the namespace's own reservations, and none that is not a Lease it can judge", () => {
    const expired = ago(60 * heartbeatMs);
    expect(
      reservationsToCollect([lease('team-b', 'k', expired)], 'team-a', now, heartbeatMs),
    ).toEqual([]);
    const left = lease('team-a', 'k', expired);
    const entryLabelled = {
      ...left,
      metadata: { ...left.metadata, labels: { ...left.metadata.labels, [cacheLabel]: 'entry' } },
    };
    const { resourceVersion: _, ...unversioned } = left.metadata;
    expect(
      reservationsToCollect(
        [entryLabelled, { ...left, metadata: unversioned }],
        'team-a',
        now,
        heartbeatMs,
      ),
    ).toEqual([]);
  });

  it('takes a Lease no holder could hold: none named, no renewal, or one renewed ahead of the clock', () => {
    const base = lease('team-a', 'k', now);
    const withSpec = (uid: string, spec: Record<string, unknown>) => ({
      ...base,
      metadata: { ...base.metadata, uid },
      spec: { ...reservationSpec(undefined, 'action-uid', now, heartbeatMs), ...spec },
    });
    const leases = [
      withSpec('no-holder', { holderIdentity: undefined }),
      withSpec('no-renewal', { renewTime: undefined }),
      withSpec('ahead', { renewTime: new Date(now.getTime() + 2 * heartbeatMs).toISOString() }),
    ];
    expect(uids(reservationsToCollect(leases, 'team-a', now, heartbeatMs))).toEqual([
      'no-holder',
      'no-renewal',
      'ahead',
    ]);
  });
});
