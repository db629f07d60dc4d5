import type { Informer } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { jobsInFlightByNamespace } from './job-index.js';

/** What the room reads of the Job informer: the unfinished Jobs, and when it shows one. */
export type RoomJobs = Pick<Informer<KubeObject>, 'byIndex' | 'get'> & {
  on(event: 'add' | 'delete', handler: (job: KubeObject) => void): unknown;
};

/**
 * The room `--max-jobs-per-namespace` leaves the DistExecs of one namespace: the unfinished
 * node Jobs the informer holds, less the creates this process has sent and the informer has
 * not shown yet. Counting the informer alone let reconciles running at once (`--workers`), and
 * one that ran again before the watch caught up, each spend the whole room. A slot is taken
 * synchronously, before the create's request, so no two reconciles can take the same one.
 */
export class NamespaceJobRoom {
  readonly #cap: number | undefined;
  readonly #jobs: Pick<Informer<KubeObject>, 'byIndex' | 'get'>;
  readonly #executionNamespace: string;
  /** Per namespace: creates sent and not answered yet. */
  readonly #sending = new Map<string, number>();
  /** Per namespace: Jobs created whose add the informer has not shown yet. */
  readonly #unseen = new Map<string, Set<string>>();
  /** The namespace each Job of `#unseen` holds a slot of. */
  readonly #unseenIn = new Map<string, string>();

  constructor(cap: number | undefined, jobs: RoomJobs, executionNamespace: string) {
    this.#cap = cap;
    this.#jobs = jobs;
    this.#executionNamespace = executionNamespace;
    // Seen at its add, or at its delete when the watch folded the two into one (a Job gone
    // within a relist): either way the informer counts it from then on, and a Job finished and
    // deleted before the namespace's next create must not hold its slot for ever.
    const seen = (job: KubeObject) => {
      const { namespace, name } = job.metadata ?? {};
      if (namespace === executionNamespace && name !== undefined) this.#seen(name);
    };
    jobs.on('add', seen);
    jobs.on('delete', seen);
  }

  /** Takes a slot for one create in `namespace`; false when none is left. */
  take(namespace: string): boolean {
    if (this.#cap === undefined) return true;
    const unseen = this.#unseen.get(namespace);
    const sending = this.#sending.get(namespace) ?? 0;
    const held =
      this.#jobs.byIndex(jobsInFlightByNamespace, namespace).length + sending + (unseen?.size ?? 0);
    if (held >= this.#cap) return false;
    this.#sending.set(namespace, sending + 1);
    return true;
  }

  /**
   * Settles a slot `take` gave: `created` names the Job the create made or adopted, which holds
   * the slot until the informer shows it; without one (the create failed) the slot is free.
   */
  settle(namespace: string, created?: string | undefined): void {
    if (this.#cap === undefined) return;
    const sending = (this.#sending.get(namespace) ?? 1) - 1;
    if (sending > 0) this.#sending.set(namespace, sending);
    else this.#sending.delete(namespace);
    if (created === undefined || this.#jobs.get(this.#executionNamespace, created)) return;
    const unseen = this.#unseen.get(namespace) ?? new Set<string>();
    this.#unseen.set(namespace, unseen.add(created));
    this.#unseenIn.set(created, namespace);
  }

  #seen(name: string): void {
    const namespace = this.#unseenIn.get(name);
    if (namespace === undefined) return;
    this.#unseenIn.delete(name);
    const unseen = this.#unseen.get(namespace);
    unseen?.delete(name);
    if (unseen?.size === 0) this.#unseen.delete(namespace);
  }
}
