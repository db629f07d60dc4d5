import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { jobsInFlightByNamespace } from './job-index.js';
import { NamespaceJobRoom } from './namespace-room.js';

/** An informer that has seen the Jobs in `seen`, of which those in `running` are unfinished. */
function informer() {
  const seen = new Map<string, KubeObject>();
  const running = new Set<string>();
  return {
    seen,
    running,
    byIndex: (index: string, namespace: string) =>
      index === jobsInFlightByNamespace && namespace === 'ops'
        ? [...running].map((name) => seen.get(name) as KubeObject)
        : [],
    get: (_namespace: string | undefined, name: string) => seen.get(name),
  };
}

describe('NamespaceJobRoom', () => {
  it('counts creates in flight and created Jobs the informer has not shown, so reconciles at once never pass the limit together', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(2, jobs, 'exec');
    // Two reconciles (two DistExecs of ops) each take a slot before their creates are answered.
    expect(room.take('ops')).toBe(true);
    expect(room.take('ops')).toBe(true);
    expect(room.take('ops')).toBe(false);
    // Both answered; the watch has shown neither Job yet: still no room.
    room.settle('ops', 'job-a');
    room.settle('ops', 'job-b');
    expect(room.take('ops')).toBe(false);
    // The watch shows them running: counted once, by the informer.
    for (const name of ['job-a', 'job-b']) {
      jobs.seen.set(name, { metadata: { name } });
      jobs.running.add(name);
    }
    expect(room.take('ops')).toBe(false);
    // One finishes: its slot is free.
    jobs.running.delete('job-a');
    expect(room.take('ops')).toBe(true);
    expect(room.take('other')).toBe(true);
  });

  it('frees the slot of a create that made nothing, and has no limit without one', () => {
    const room = new NamespaceJobRoom(1, informer(), 'exec');
    expect(room.take('ops')).toBe(true);
    room.settle('ops');
    expect(room.take('ops')).toBe(true);
    const unlimited = new NamespaceJobRoom(undefined, informer(), 'exec');
    for (let i = 0; i < 1_000; i += 1) expect(unlimited.take('ops')).toBe(true);
  });
});
