import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { jobsInFlightByNamespace } from './job-index.js';
import { NamespaceJobRoom } from './namespace-room.js';

/**
 * An informer that has seen the Jobs in `seen`, of which those in `running` are unfinished;
 * `add` and `remove` are its watch's events for a Job of the execution namespace.
 */
function informer() {
  const seen = new Map<string, KubeObject>();
  const running = new Set<string>();
  const handlers: Record<string, ((job: KubeObject) => void)[]> = { add: [], delete: [] };
  const jobs = {
    seen,
    running,
    byIndex: (index: string, namespace: string) =>
      index === jobsInFlightByNamespace && namespace === 'ops'
        ? [...running].map((name) => seen.get(name) as KubeObject)
        : [],
    get: (_namespace: string | undefined, name: string) => seen.get(name),
    on: (event: string, handler: (job: KubeObject) => void) => {
      handlers[event]?.push(handler);
      return jobs;
    },
    add(name: string) {
      const job = { metadata: { name, namespace: 'exec' } };
      seen.set(name, job);
      running.add(name);
      for (const handler of handlers.add ?? []) handler(job);
    },
    remove(name: string) {
      const job = seen.get(name) ?? { metadata: { name, namespace: 'exec' } };
      seen.delete(name);
      running.delete(name);
      for (const handler of handlers.delete ?? []) handler(job);
    },
  };
  return jobs;
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
    jobs.add('job-a');
    jobs.add('job-b');
    expect(room.take('ops')).toBe(false);
    // One finishes: its slot is free.
    jobs.running.delete('job-a');
    expect(room.take('ops')).toBe(true);
    expect(room.take('other')).toBe(true);
  });

  it('frees the slot of a Job the watch showed and that is gone before the next create', () => {
    const jobs = informer();
    const room = new NamespaceJobRoom(1, jobs, 'exec');
    expect(room.take('ops')).toBe(true);
    room.settle('ops', 'job-a');
    // Shown, finished and deleted (its TTL, its DistExec) while no create of ops ran.
    jobs.add('job-a');
    jobs.remove('job-a');
    expect(room.take('ops')).toBe(true);
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
