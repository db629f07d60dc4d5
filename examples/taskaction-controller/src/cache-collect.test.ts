import { type ReservationFacts, reservationSpec } from '@roundhouse/controller';
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
  /** The Lease a holder took or last renewed at `renewed`, as the store writes it. */
  const lease = (namespace: string, cacheKey: string, renewed = now, holder = 'action-uid') => {
    const written = reservationLease(
      'tasks',
      { namespace, project: 'proj', domain: 'dev', cacheKey },
      reservationSpec(undefined, holder, renewed, heartbeatMs),
    );
    return { ...written, metadata: { ...written.metadata, resourceVersion: '7', uid: cacheKey } };
  };
  const uids = (leases: KubeObject[]) => leases.map((l) => l.metadata?.uid);
  /** What the controller knows of each Lease, by its uid; by default seen unchanged for long. */
  const factsBy =
    (facts: Record<string, Partial<ReservationFacts>>) =>
    (object: KubeObject): ReservationFacts => ({
      holderUnderWay: false,
      unchangedForMs: 60 * heartbeatMs,
      ...facts[object.metadata?.uid ?? ''],
    });
  const collect = (leases: KubeObject[], facts: Record<string, Partial<ReservationFacts>> = {}) =>
    reservationsToCollect(leases, 'team-a', factsBy(facts), now, heartbeatMs);

  it('takes a Lease seen unchanged for three heartbeats, whatever its renewTime says, and keeps one seen for less', () => {
    const crashLeft = lease('team-a', 'left');
    const young = lease('team-a', 'young', new Date(now.getTime() - 3_600_000));
    const ahead = lease('team-a', 'ahead', new Date(now.getTime() + 3_600_000));
    const facts = {
      left: { unchangedForMs: 3 * heartbeatMs },
      // Renewed an hour ago by its writer's clock (one behind this one's), first seen just now.
      young: { unchangedForMs: 3 * heartbeatMs - 1 },
      // Renewed an hour ahead by a clock ahead of this one's: expired all the same.
      ahead: { unchangedForMs: 3 * heartbeatMs },
    };
    expect(uids(collect([crashLeft, young, ahead], facts))).toEqual(['left', 'ahead']);
  });

  it('keeps a Lease whose holder is an action under way, however long it stood unchanged', () => {
    const running = lease('team-a', 'running', new Date(now.getTime() - 3_600_000));
    expect(collect([running], { running: { holderUnderWay: true } })).toEqual([]);
  });

  it("takes only the namespace's own reservations, and none that is not a Lease it can judge", () => {
    expect(collect([lease('team-b', 'k')])).toEqual([]);
    const left = lease('team-a', 'k');
    const entryLabelled = {
      ...left,
      metadata: { ...left.metadata, labels: { ...left.metadata.labels, [cacheLabel]: 'entry' } },
    };
    const { resourceVersion: _, ...unversioned } = left.metadata;
    expect(collect([entryLabelled, { ...left, metadata: unversioned }])).toEqual([]);
  });

  it('takes a Lease no holder holds: none named, or no duration, however recently seen', () => {
    const base = lease('team-a', 'k');
    const withSpec = (uid: string, spec: Record<string, unknown>) => ({
      ...base,
      metadata: { ...base.metadata, uid },
      spec: { ...reservationSpec(undefined, 'action-uid', now, heartbeatMs), ...spec },
    });
    const leases = [
      withSpec('no-holder', { holderIdentity: undefined }),
      withSpec('no-duration', { leaseDurationSeconds: undefined }),
    ];
    const fresh = { unchangedForMs: 0 };
    expect(uids(collect(leases, { 'no-holder': fresh, 'no-duration': fresh }))).toEqual([
      'no-holder',
      'no-duration',
    ]);
  });
});
