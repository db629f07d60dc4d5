import type { Informer } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { canonicalTarget, operatorClusterScoped, type TargetKinds } from './canonical-target.js';
import type { KindTable } from './kind-table.js';
import { targetOf } from './resource.js';
import { StartTurns } from './start-turns.js';
import { counts, type Entry, entryOf, latestOf } from './target-entry.js';

export interface ExecutionsByTargetOptions {
  /**
   * Cluster-scoped custom kinds targets may name (kind, plural or short name), as the admission
   * policy's `clusterScopedKinds` option takes them: a namespace written before one is ignored,
   * so two executions naming one such object under two namespaces share a target. Discovery
   * (`useKinds`) tells the scope of the kinds it lists; these are cluster-scoped either way.
   */
  readonly clusterScopedKinds?: readonly string[] | undefined;
}

/**
 * One target's executions. The sets and claims exist only while they hold something: a
 * controller caches thousands of finished executions, nearly all alone on their target, and an
 * empty Map or Set still costs its hash table (about 9 MiB over 10,000 targets).
 */
interface Target {
  readonly entries: Map<string, Entry>;
  waiting: Set<string> | undefined;
  holding: Set<string> | undefined;
  /**
   * Executions this process started whose status does not show their resource yet, by key: the
   * uid that started and the resource it created.
   */
  claims: Map<string, Claim> | undefined;
  /** The acted execution that finished last; null when it must be found again. */
  latest: Entry | undefined | null;
}

interface Claim {
  readonly uid: string | undefined;
  readonly resourceName: string;
}

/**
 * WorkflowExecutions grouped by `spec.targetResource` (every spelling of one object together,
 * see `canonicalTarget`), kept current from the informer's events, so a start asks about its
 * target in time independent of how many executions share it and a release wakes only the
 * executions waiting there.
 */
export class ExecutionsByTarget {
  readonly #targets = new Map<string, Target>();
  readonly #operatorKinds: readonly string[];
  /** What every key is computed under: one table at a time, so keys are always comparable. */
  #kinds: TargetKinds;
  /** The target each cached execution was filed under, to find it again on its delete. */
  readonly #targetOf = new Map<string, string>();
  /** Starts on one target take turns between their check and their create. */
  readonly #starts = new StartTurns();

  constructor(options: ExecutionsByTargetOptions = {}) {
    this.#operatorKinds = options.clusterScopedKinds ?? [];
    this.#kinds = { clusterScoped: operatorClusterScoped(this.#operatorKinds, undefined) };
  }

  /** Follows `informer`; register before it starts, so its first list is seen. */
  static following(
    informer: Pick<Informer<KubeObject>, 'on'>,
    options: ExecutionsByTargetOptions = {},
  ): ExecutionsByTarget {
    const targets = new ExecutionsByTarget(options);
    informer.on('add', (object) => targets.upsert(object));
    informer.on('update', (object) => targets.upsert(object));
    informer.on('delete', (object) => targets.remove(object));
    return targets;
  }

  upsert(object: KubeObject): void {
    const key = keyOf(object);
    const written = targetOf(object);
    const target = written === undefined ? undefined : this.#key(written);
    if (target !== this.#targetOf.get(key)) this.remove(object);
    if (written === undefined || target === undefined) return;
    const entry = entryOf(key, written, object);
    const record = this.#recordOf(target);
    record.entries.set(key, entry);
    this.#targetOf.set(key, target);
    record.waiting = toggle(record.waiting, key, entry.waiting);
    record.holding = toggle(record.holding, key, entry.holding !== undefined);
    const claim = record.claims?.get(key);
    // Its status now tells what the claim told (or that it finished, or another execution took
    // the name): the claim has done its work.
    if (claim && (claim.uid !== entry.uid || !entry.waiting))
      record.claims = dropped(record.claims, key);
    const { latest } = record;
    if (latest === null) return;
    if (latest?.key === key) {
      // Its completion moved or stopped counting (another writer changed its status): the
      // latest may now be another execution, found again on the next ask.
      record.latest = counts(entry) && entry.completedMs >= latest.completedMs ? entry : null;
    } else if (counts(entry) && (latest === undefined || entry.completedMs > latest.completedMs)) {
      record.latest = entry;
    }
  }

  /**
   * Computes every key under `table` from now on (a cluster's kinds from discovery), filing each
   * execution, and each start waiting its turn, under its target's new key: executions that
   * spell one object two ways, filed apart before discovery listed its kind's short name, are
   * then one target. Every key is recomputed at once, so none is ever compared with one
   * computed under another table.
   */
  useKinds(table: KindTable): void {
    this.#kinds = { table, clusterScoped: operatorClusterScoped(this.#operatorKinds, table) };
    const records = [...this.#targets.values()];
    this.#targets.clear();
    for (const record of records) {
      for (const [key, entry] of record.entries) {
        const target = this.#key(entry.target);
        const moved = this.#recordOf(target);
        moved.entries.set(key, entry);
        moved.waiting = toggle(moved.waiting, key, record.waiting?.has(key) ?? false);
        moved.holding = toggle(moved.holding, key, record.holding?.has(key) ?? false);
        const claim = record.claims?.get(key);
        if (claim) moved.claims = (moved.claims ?? new Map<string, Claim>()).set(key, claim);
        // Found again on the next ask: the entries of two records may now be one.
        moved.latest = null;
        this.#targetOf.set(key, target);
      }
    }
    this.#starts.rekey((spelling) => this.#key(spelling));
  }

  remove(object: KubeObject): void {
    const key = keyOf(object);
    const target = this.#targetOf.get(key);
    if (target === undefined) return;
    this.#targetOf.delete(key);
    const record = this.#targets.get(target);
    if (!record) return;
    record.entries.delete(key);
    record.waiting = toggle(record.waiting, key, false);
    record.holding = toggle(record.holding, key, false);
    record.claims = dropped(record.claims, key);
    if (record.entries.size === 0) this.#targets.delete(target);
    else if (record.latest?.key === key) record.latest = null;
  }

  /**
   * The most recent other execution on `target` still inside its cooldown, if any.
   *
   * Only an execution that acted on the target counts: the cooldown lets a target settle after
   * a workflow acted on it, and one refused before it ran (an invalid spec, a forbidden bundle)
   * acted on nothing. Counting it would let anyone hold a target back for a cooldown with each
   * execution the controller refuses. One that created its resource acted; so did one another
   * writer (kubernaut's controller, an operator) marked Completed, as kubernaut counts it: a
   * refusal is never Completed.
   */
  cooldownBlocking(
    self: { uid?: string | undefined; target: string },
    cooldownMs: number,
    now: Date,
  ): { name: string; remainingMs: number } | undefined {
    const record = this.#targets.get(this.#key(self.target));
    if (!record) return undefined;
    if (record.latest === null) record.latest = latestOf(record.entries.values());
    let latest = record.latest;
    // The execution itself finished last only when another writer completed it while it
    // waited to start: rare enough to look past it the long way.
    if (latest !== undefined && latest.uid === self.uid) {
      latest = latestOf([...record.entries.values()].filter((entry) => entry.uid !== self.uid));
    }
    if (latest === undefined) return undefined;
    const remainingMs = Math.max(0, latest.completedMs + cooldownMs - now.getTime());
    return remainingMs > 0 ? { name: latest.key, remainingMs } : undefined;
  }

  /**
   * Another execution running on `target` that the engine's own lock cannot see: one under a
   * different engine (the lock name is the same for every engine, but the API server keeps
   * names unique per kind only, so a Job and a PipelineRun of the same name do not collide), or
   * one that spells the target differently (`Deployment` and `deployment` hash to two lock
   * names). It knows those whose status records their resource and those this process started
   * (`claim`) before their status says so; a start that asks inside `exclusiveStart` sees every
   * start this process made before it on the target. `created` names the resource a waiting
   * execution's start made before its status said so (the watched resources that record it as
   * their owner): a process killed in between took its claim with it, and the one after it
   * learns it there.
   */
  heldByAnother(
    self: {
      uid?: string | undefined;
      target: string;
      engine: string;
    },
    created?: (key: string, uid: string) => string | undefined,
  ): { name: string; namespace: string; resourceName: string } | undefined {
    const record = this.#targets.get(this.#key(self.target));
    if (!record) return undefined;
    const holders = [
      ...[...(record.holding ?? [])].map((key) => [key, record.entries.get(key)?.holding] as const),
      ...[...(record.claims ?? [])].map(([key, claim]) => [key, claim.resourceName] as const),
    ];
    for (const [key, resourceName] of holders) {
      const other = record.entries.get(key);
      if (!other || resourceName === undefined || !this.#another(self, other)) continue;
      return holder(key, resourceName);
    }
    if (!created) return undefined;
    for (const key of record.waiting ?? []) {
      const other = record.entries.get(key);
      if (!other?.uid || record.claims?.has(key) || !this.#another(self, other)) continue;
      const resourceName = created(key, other.uid);
      if (resourceName !== undefined) return holder(key, resourceName);
    }
    return undefined;
  }

  /**
   * The waiting executions on `self`'s target whose start only their engine can tell of: not
   * claimed by this process, under an engine `unwatched` says nothing in the cache shows (the
   * watched ones are `heldByAnother`'s `created`), and invisible to the engine's own lock (see
   * `#another`). A controller killed between such a start's create and its Running write left
   * one waiting with its workflow running; the next process asks its engine (`unrecordedStart`),
   * and only for these, so a target without another spelling or engine costs no read.
   */
  waitingUnseen(
    self: { uid?: string | undefined; target: string; engine: string },
    unwatched: (engine: string) => boolean,
  ): string[] {
    const record = this.#targets.get(this.#key(self.target));
    if (!record) return [];
    return [...(record.waiting ?? [])].filter((key) => {
      const other = record.entries.get(key);
      if (!other?.uid || record.claims?.has(key) || !this.#another(self, other)) return false;
      return typeof other.engine === 'string' && unwatched(other.engine);
    });
  }

  /**
   * Whether `holder`, which a start on `target` found holding it, is an execution known there
   * that acted on it (its status records its resource, or it was Completed) or whose resource
   * this process created (`claim`): a wait on it is a wait on a workflow that really ran, not
   * on a lock nothing here can account for.
   */
  actedOn(target: string, holder: { namespace: string; name: string }): boolean {
    const record = this.#targets.get(this.#key(target));
    const key = `${holder.namespace}/${holder.name}`;
    return record?.entries.get(key)?.acted === true || record?.claims?.has(key) === true;
  }

  /** Whether `other` is another execution whose resource the engine's own lock cannot see. */
  #another(self: { uid?: string | undefined; target: string; engine: string }, other: Entry) {
    if (other.uid === self.uid) return false;
    return other.engine !== self.engine || other.target !== self.target;
  }

  /**
   * Runs `start` (a start's `heldByAnother` check and its create) once every start queued before
   * it on the same object, however spelt, has run its own. Two executions that spell one target
   * two ways, or name two engines, create two differently named or kinded resources, so nothing
   * on the API server keeps them apart; run one after the other, the second finds the first's
   * `claim`. Starts on different targets do not wait for each other.
   */
  exclusiveStart<T>(target: string, signal: AbortSignal, start: () => Promise<T>): Promise<T> {
    return this.#starts.take(this.#key(target), target, signal, start);
  }

  /**
   * Records that `self` created `resourceName` on its target, so `heldByAnother` names it to
   * other starts until its status records the resource (or that it finished), or it is gone.
   * Ignored for an execution the cache no longer holds: its delete, already seen, would never
   * clear the claim.
   */
  claim(
    self: { namespace: string; name: string; uid?: string | undefined; target: string },
    resourceName: string,
  ): void {
    const key = `${self.namespace}/${self.name}`;
    const record = this.#targets.get(this.#key(self.target));
    const entry = record?.entries.get(key);
    if (!record || !entry || entry.uid !== self.uid || !entry.waiting) return;
    record.claims = (record.claims ?? new Map<string, Claim>()).set(key, {
      uid: self.uid,
      resourceName,
    });
  }

  /**
   * The keys an event on a WorkflowExecution should wake: itself, and when it released its
   * target (its lock released after the cooldown, or the execution going) every execution
   * still waiting to start there, so a waiter starts on the release instead of at its next
   * backoff. An execution that never acted on the target (refused, or Deduplicated by the
   * holder) held nothing, so its events wake no one: a burst of refused waiters would
   * otherwise wake each other once for every one of them.
   */
  keysToWake(object: KubeObject): string[] {
    const own = keyOf(object);
    const target = targetOf(object);
    if (target === undefined || !entryOf(own, target, object).releases) return [own];
    return [own, ...this.#waitingOn(target, own)];
  }

  /**
   * The executions an event on an execution resource should wake besides its owner: once the
   * resource is on its way out, or `deleted`, every execution waiting to start on its target. A
   * holder's release wakes them too (`keysToWake`), but a resource deleted in the foreground
   * (Tekton's) or held by a finalizer still bars them then (PreviousExecutionNotCleaned), and
   * one removed for a holder that never recorded it (a start that crashed after its create)
   * wakes no one by its holder: its final delete is when the target is free, and a delete
   * without finalizers carries no deletion timestamp.
   */
  waitersOnResource(resource: KubeObject, targetAnnotation: string, deleted = false): string[] {
    const target = resource.metadata?.annotations?.[targetAnnotation];
    if (target === undefined || !(deleted || resource.metadata?.deletionTimestamp)) return [];
    return this.#waitingOn(target, undefined);
  }

  #key(target: string): string {
    return canonicalTarget(target, this.#kinds);
  }

  #recordOf(target: string): Target {
    let record = this.#targets.get(target);
    if (!record) {
      record = {
        entries: new Map(),
        waiting: undefined,
        holding: undefined,
        claims: undefined,
        latest: undefined,
      };
      this.#targets.set(target, record);
    }
    return record;
  }

  #waitingOn(target: string, except: string | undefined): string[] {
    const waiting = this.#targets.get(this.#key(target))?.waiting ?? [];
    return [...waiting].filter((key) => key !== except);
  }
}

function holder(key: string, resourceName: string) {
  const [namespace = '', name = ''] = key.split('/');
  return { name, namespace, resourceName };
}

function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}

/** `set` with `key` in or out; undefined once empty. */
function toggle(
  set: Set<string> | undefined,
  key: string,
  present: boolean,
): Set<string> | undefined {
  if (present) return (set ?? new Set<string>()).add(key);
  set?.delete(key);
  return set?.size ? set : undefined;
}

/** `claims` without `key`; undefined once empty. */
function dropped(
  claims: Map<string, Claim> | undefined,
  key: string,
): Map<string, Claim> | undefined {
  claims?.delete(key);
  return claims?.size ? claims : undefined;
}
