import type { Informer } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { cacheReflects } from './cache-version.js';
import { type Claimant, nextInLine, shareOf } from './fair-share.js';
import { jobsInFlightByNamespace, jobsInFlightByOwner } from './job-index.js';

/**
 * What the room reads of the Job informer: the unfinished Jobs, when it shows one, and the
 * resourceVersion it is current to.
 */
export type RoomJobs = Pick<Informer<KubeObject>, 'byIndex' | 'get' | 'resourceVersion'> & {
  on(event: 'add' | 'delete', handler: (job: KubeObject) => void): unknown;
};

/** A DistExec asking for a slot: its `namespace/name` and `metadata.creationTimestamp`. */
export interface RoomClaim {
  readonly key: string;
  readonly createdAt: string;
}

/** A slot `take` gave a DistExec for one create; `settle` it once the create is answered. */
export interface RoomSlot {
  readonly key: string;
  /** How many creates were answered before this one was sent (`#answered` at `take`). */
  readonly sentAfter: number;
}

/**
 * How many reads of a Job whose create's answer was lost must fail, and how long after the
 * answer was lost (`unansweredHoldMs`), before its slot is freed all the same. A read is tried
 * at the start of every reconcile of a DistExec of its namespace, and a freed slot wakes the
 * next DistExec while `--workers` run others at once: with several DistExecs waiting, a count
 * alone would be spent within a second of one blip, however many DistExecs read. Reads failing
 * for a minute are no blip (reads of Jobs refused, a server down for long), and holding the
 * slot then would block the namespace for as long, where freeing it risks no more than that one
 * slot past the limit until the informer shows the Job, if it exists.
 */
export const maxUnansweredReads = 5;
export const unansweredHoldMs = 60_000;
/**
 * How long after a failed read of a lost create's Job the next is due (`readDueIn`): the reads
 * spread over the hold, so the last one that frees the slot comes at its end, not at whatever
 * reconcile of the namespace comes next (a waiting DistExec's resync, a minute apart).
 */
export const unansweredReadIntervalMs = unansweredHoldMs / maxUnansweredReads;

/** A create whose answer was lost: whose slot its Job, if it exists, holds. */
interface Unanswered {
  readonly key: string;
  readonly sentAfter: number;
  readonly failedReads: number;
  /** When the create's answer was lost, on the room's clock. */
  readonly lostAt: number;
  /** When the last read failed (at first, when the answer was lost). */
  readonly readAt: number;
}

/** A created Job the informer has not shown: whose slot it holds, and when it was answered. */
interface Unseen {
  readonly key: string;
  readonly answeredAt: number;
  readonly sentAfter: number;
  /** The resourceVersion the create (or the adoption's read) was answered with, when known. */
  readonly version: string | undefined;
}

/**
 * The room `--max-jobs-per-namespace` leaves the DistExecs of one namespace: the unfinished
 * node Jobs the informer holds, less the creates this process has sent and the informer has
 * not shown yet. Counting the informer alone let reconciles running at once (`--workers`), and
 * one that ran again before the watch caught up, each spend the whole room. A slot is taken
 * synchronously, before the create's request, so no two reconciles can take the same one.
 *
 * A created Job is let go once the informer shows it, or shows a Job whose create was sent
 * after this one's was answered: the API server orders the two creates, so an informer that
 * shows the later one is current past the earlier, and counts it if it is still there. One it
 * does not hold then was deleted before the informer could see it (created while the watch was
 * broken, deleted by someone else before the relist, which reports nothing for an object it
 * never held): waiting for its add kept its slot for ever. So is one once the informer is
 * current to a resourceVersion at or past the one its create was answered with (`cacheReflects`):
 * a relist after the watch broke is, and it frees a namespace whose every slot such a Job held,
 * where no later create would come to free them.
 *
 * A create whose answer was lost (`createOutcomeUnknown`: a broken connection, a timeout, a
 * 5xx) may have made its Job: freeing its slot at once let another DistExec take it before the
 * informer showed the Job, past the limit. It holds its slot until a read of the Job by name
 * (`unanswered`, then `read`) says it is not there, or shows it, which then holds the slot as
 * any created Job does; until the informer shows it; or until `maxUnansweredReads` reads
 * failed and `unansweredHoldMs` passed. Only this process knows of it: a restarted one's first
 * list counts the Job if it is there.
 *
 * Within the namespace the free slots are dealt out among those asking, one at a time to the
 * DistExec whose turn it is (`nextInLine`), and a DistExec takes its part (`shareOf`): taking
 * whatever is free let a DistExec of thousands of nodes, whose own Jobs ending wake it at once,
 * keep every slot while one created after it waited for all of it; taking one slot a turn cost
 * a reconcile, and its status write, for every slot.
 */
export class NamespaceJobRoom {
  readonly #cap: number | undefined;
  readonly #jobs: Pick<Informer<KubeObject>, 'byIndex' | 'get' | 'resourceVersion'>;
  readonly #executionNamespace: string;
  /** Per DistExec: creates sent and not answered yet. */
  readonly #sending = new Map<string, number>();
  /** Per DistExec: Jobs created whose add the informer has not shown yet. */
  readonly #unseen = new Map<string, Set<string>>();
  /** Each Job of `#unseen`: the DistExec it holds a slot of, and the order of its create. */
  readonly #unseenOf = new Map<string, Unseen>();
  /** Per Job name: creates whose answer was lost, each holding a slot until a read tells. */
  readonly #unanswered = new Map<string, Unanswered>();
  /** Creates answered with a Job so far: orders them against creates sent later. */
  #answered = 0;
  /** The informer's resourceVersion when `#unseen` was last compared with it. */
  #comparedAt = '';
  /** Per namespace: the DistExecs asking for room, with their creation times. */
  readonly #asking = new Map<string, Map<string, string>>();
  /** The clock, in milliseconds, of how long an unanswered create has held its slot. */
  readonly #now: () => number;

  constructor(
    cap: number | undefined,
    jobs: RoomJobs,
    executionNamespace: string,
    now: () => number = Date.now,
  ) {
    this.#cap = cap;
    this.#now = now;
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

  /**
   * Takes a slot for one create of `claim`'s DistExec; none when none is left or what is
   * left is the other DistExecs' part. Either way the DistExec counts as asking until `leave`.
   */
  take(claim: RoomClaim): RoomSlot | undefined {
    const slot = { key: claim.key, sentAfter: this.#answered };
    if (this.#cap === undefined) return slot;
    this.#forgetReflected();
    const namespace = namespaceOf(claim.key);
    const asking = this.#asking.get(namespace) ?? new Map<string, string>();
    this.#asking.set(namespace, asking.set(claim.key, claim.createdAt));
    const free = this.#cap - this.#heldIn(namespace);
    if (shareOf(this.#claimants(namespace), free, claim.key) === 0) return undefined;
    this.#sending.set(claim.key, (this.#sending.get(claim.key) ?? 0) + 1);
    return slot;
  }

  /**
   * Settles a slot `take` gave: `created` names the Job the create made or adopted, which
   * holds the slot until the informer shows it or is current past `version` (the
   * resourceVersion the create, or the read that adopted the Job, was answered with); without
   * one (the create failed) the slot is free.
   */
  settle(
    { key, sentAfter }: RoomSlot,
    created?: string | undefined,
    version?: string | undefined,
  ): void {
    if (this.#cap === undefined) return;
    const sending = (this.#sending.get(key) ?? 1) - 1;
    if (sending > 0) this.#sending.set(key, sending);
    else this.#sending.delete(key);
    if (created === undefined) return;
    // An earlier create of this name whose answer was lost is answered now too.
    this.#unanswered.delete(created);
    this.#created(key, sentAfter, created, version);
  }

  /**
   * Settles a slot `take` gave to a create whose answer was lost (`createOutcomeUnknown`): the
   * Job `job` may exist, and holds the slot until a `read` of it tells.
   */
  settleUnanswered(slot: RoomSlot, job: string): void {
    if (this.#cap === undefined) return;
    this.settle(slot);
    // Shown already: the informer counts it.
    if (this.#jobs.get(this.#executionNamespace, job)) return;
    const lostAt = this.#now();
    this.#unanswered.set(job, {
      key: slot.key,
      sentAfter: slot.sentAfter,
      failedReads: 0,
      lostAt,
      readAt: lostAt,
    });
  }

  /** The Jobs of `namespace`'s DistExecs whose creates' answers were lost: each is to be read. */
  unanswered(namespace: string): string[] {
    return [...this.#unanswered]
      .filter(([, { key }]) => namespaceOf(key) === namespace)
      .map(([job]) => job);
  }

  /**
   * A read of the Job `job` of an unanswered create (`unanswered`) found it, with the
   * resourceVersion it holds, or (null) not: it holds its slot as a created Job does, or none.
   */
  read(job: string, found: KubeObject | null): void {
    const unanswered = this.#unanswered.get(job);
    if (unanswered === undefined) return;
    this.#unanswered.delete(job);
    if (found === null) return;
    const { key, sentAfter } = unanswered;
    this.#created(key, sentAfter, job, found.metadata?.resourceVersion);
  }

  /**
   * A read of the Job `job` of an unanswered create failed: its slot is held still, until
   * `maxUnansweredReads` failed and `unansweredHoldMs` passed since the answer was lost.
   */
  readFailed(job: string): void {
    const unanswered = this.#unanswered.get(job);
    if (unanswered === undefined) return;
    const failedReads = unanswered.failedReads + 1;
    const readAt = this.#now();
    const spent =
      failedReads >= maxUnansweredReads && readAt - unanswered.lostAt >= unansweredHoldMs;
    if (spent) this.#unanswered.delete(job);
    else this.#unanswered.set(job, { ...unanswered, failedReads, readAt });
  }

  /**
   * In how many milliseconds (at least 1) the next read of a Job of `namespace`'s lost creates
   * is due, the soonest of them; none when none is held. Reads happen only at reconciles of the
   * namespace, so a DistExec waiting for room is woken then: the next read comes
   * `unansweredReadIntervalMs` after the last failed one, and once `maxUnansweredReads` failed,
   * at the hold's end, when a failed read frees the slot. Left to the waiting DistExecs'
   * resyncs, the five reads took five of them, minutes past the hold.
   */
  readDueIn(namespace: string): number | undefined {
    let due = Number.POSITIVE_INFINITY;
    for (const { key, failedReads, lostAt, readAt } of this.#unanswered.values()) {
      if (namespaceOf(key) !== namespace) continue;
      const at =
        failedReads >= maxUnansweredReads
          ? lostAt + unansweredHoldMs
          : readAt + unansweredReadIntervalMs;
      due = Math.min(due, at);
    }
    return due === Number.POSITIVE_INFINITY ? undefined : Math.max(1, due - this.#now());
  }

  /** `key`'s create made or adopted the Job `created`, answered at `version`. */
  #created(key: string, sentAfter: number, created: string, version: string | undefined): void {
    if (
      this.#jobs.get(this.#executionNamespace, created) ||
      cacheReflects(this.#jobs.resourceVersion, version)
    ) {
      this.#currentPast(sentAfter);
      return;
    }
    const unseen = this.#unseen.get(key) ?? new Set<string>();
    this.#unseen.set(key, unseen.add(created));
    this.#answered += 1;
    this.#unseenOf.set(created, { key, answeredAt: this.#answered, sentAfter, version });
  }

  /** `key`'s DistExec asks for no more room: none of its nodes waits for a slot. */
  leave(key: string): void {
    const namespace = namespaceOf(key);
    const asking = this.#asking.get(namespace);
    asking?.delete(key);
    if (asking?.size === 0) this.#asking.delete(namespace);
  }

  /** The DistExec of `namespace` whose turn a slot free now is; none when none is free. */
  next(namespace: string): string | undefined {
    this.#forgetReflected();
    if (this.#cap === undefined || this.#heldIn(namespace) >= this.#cap) return undefined;
    return nextInLine(this.#claimants(namespace));
  }

  #claimants(namespace: string): Claimant[] {
    const asking = [...(this.#asking.get(namespace) ?? [])];
    return asking.map(([key, createdAt]) => ({ key, createdAt, holds: this.#heldBy(key) }));
  }

  #heldBy(key: string): number {
    return (
      this.#jobs.byIndex(jobsInFlightByOwner, key).length +
      (this.#sending.get(key) ?? 0) +
      (this.#unseen.get(key)?.size ?? 0) +
      [...this.#unanswered.values()].filter((unanswered) => unanswered.key === key).length
    );
  }

  #heldIn(namespace: string): number {
    let held = this.#jobs.byIndex(jobsInFlightByNamespace, namespace).length;
    for (const [key, sending] of this.#sending) {
      if (namespaceOf(key) === namespace) held += sending;
    }
    for (const [key, unseen] of this.#unseen) {
      if (namespaceOf(key) === namespace) held += unseen.size;
    }
    for (const { key } of this.#unanswered.values()) {
      if (namespaceOf(key) === namespace) held += 1;
    }
    return held;
  }

  #seen(name: string): void {
    this.#unanswered.delete(name);
    const shown = this.#unseenOf.get(name);
    if (shown === undefined) return;
    this.#forget(name, shown.key);
    this.#currentPast(shown.sentAfter);
  }

  /**
   * The informer shows a Job whose create was sent once `sentAfter` creates were answered: it
   * is current past each of those, and counts every one of them that is still there itself.
   */
  #currentPast(sentAfter: number): void {
    for (const [name, { key, answeredAt }] of this.#unseenOf) {
      if (answeredAt <= sentAfter) this.#forget(name, key);
    }
  }

  /**
   * Lets go of every created Job the informer, having moved since last asked, is current past:
   * it counts each of them that is still there itself.
   */
  #forgetReflected(): void {
    const current = this.#jobs.resourceVersion;
    if (current === this.#comparedAt) return;
    this.#comparedAt = current;
    for (const [name, { key, version }] of this.#unseenOf) {
      if (cacheReflects(current, version)) this.#forget(name, key);
    }
  }

  #forget(name: string, key: string): void {
    this.#unseenOf.delete(name);
    const unseen = this.#unseen.get(key);
    unseen?.delete(name);
    if (unseen?.size === 0) this.#unseen.delete(key);
  }
}

function namespaceOf(key: string): string {
  return key.slice(0, key.indexOf('/'));
}
