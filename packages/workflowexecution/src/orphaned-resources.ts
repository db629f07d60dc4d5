import type { Informer } from '@roundhouse/controller';
import {
  type CleanupPendingError,
  type Conventions,
  conventionKeys,
  type ExecutionWatch,
  executionOwnerKey,
  type Logger,
  noopLogger,
} from '@roundhouse/core';
import {
  deleteAsReadAnswered,
  isStillStored,
  type KubeClient,
  type KubeObject,
  removeFinalizerAsRead,
} from '@roundhouse/kube';

/** One kind of execution resource an engine declares, with the informer that caches it. */
export interface WatchedResources {
  /** The engine that declared the watch (`Executor.engine`). */
  readonly engine: string;
  readonly watch: ExecutionWatch;
  readonly informer: Pick<Informer<KubeObject>, 'addIndex' | 'byIndex' | 'observe'>;
}

/** An execution resource a start made, as the cache shows it (`OrphanedResources.createdFor`). */
export interface CreatedResource {
  readonly name: string;
  /** The kind of the watched resource it is (`Job`), which an adoption reports it by. */
  readonly kind: string;
  /** Its `metadata.creationTimestamp`, as the API server stamped it. */
  readonly createdAt?: string | undefined;
}

/** The informer index of execution resources by their owner's `namespace/name`. */
function ownerIndex(conventions: Conventions): string {
  return `owner:${conventions.labelPrefix}`;
}

/**
 * Execution resources whose WorkflowExecution is gone without passing its finalizer. A start
 * of a watched engine writes the finalizer beside the resource's create, not before it (the
 * others wait for it: nothing here would find what they made), so a controller killed
 * between the two, and an execution deleted before the controller is back, leave a resource
 * that nothing else removes: a Job would run on and hold its target's lock until its TTL.
 *
 * The reconciler asks for a key's resources once the API server has confirmed the execution
 * gone. Every cached resource wakes its owner when the controller starts (the informer's list
 * is a burst of adds), so a restarted controller finds each such resource at once. The
 * execution namespace is the controller's own: a resource there that names a WorkflowExecution
 * which does not exist is taken to be one of these.
 */
export class OrphanedResources {
  readonly #client: KubeClient;
  readonly #watched: readonly WatchedResources[];
  readonly #logger: Logger;
  /**
   * The uids of the resources each key's release saw go (its delete or its finalizer removal
   * answered so), until the informer drops them on their watch's delete event, which wakes the
   * key: a release in between would act on the cached copy, a delete or a removal answered 404.
   */
  readonly #gone = new Map<string, Set<string>>();

  constructor(client: KubeClient, watched: readonly WatchedResources[], logger?: Logger) {
    this.#client = client;
    this.#watched = watched;
    this.#logger = logger ?? noopLogger;
    for (const { watch, informer } of watched) {
      informer.addIndex(ownerIndex(watch.conventions), (object) => {
        const key = executionOwnerKey(object.metadata, watch.conventions);
        return key === undefined ? [] : [key];
      });
    }
  }

  /**
   * Deletes the cached resources that name `key` as their owner, as their engine's cleanup
   * would: all of them once `key` is confirmed gone, or, while an execution of uid `current`
   * holds the name, those that record another owner uid (an earlier execution of the same name,
   * deleted while the controller was down); then takes the engine's finalizers, which no
   * cleanup will take off now, off those and off any already being deleted. Only a resource
   * that records its owner's uid is touched: every Roundhouse controller records it,
   * kubernaut's own controller does not, and its resources may share the namespace with owners
   * this controller cannot see. Each write carries the uid that was read, so a resource created
   * under the same name since is never touched.
   *
   * A resource its engine says must not go yet (`ExecutionWatch.deletionPending`: a
   * PipelineRun running a graceful cancel's `finally`) is left as it is, finalizers and all;
   * once the others are handled, the soonest such wait is thrown, so the caller looks again
   * when the first of them may be over (a resource's own watch wakes the key sooner).
   *
   * What each write answered is kept: the resource as the delete left it (being deleted) and as
   * the finalizer removal wrote it are cached, and one they removed is remembered gone until
   * the cache drops it. The key's next reconcile, woken by the delete's own watch event, may
   * come before the cache has the later events; it then sends nothing, where the copy that
   * event brought would have the resource deleted, or its finalizer removed, once more.
   */
  async release(key: string, signal?: AbortSignal, current?: string): Promise<void> {
    let pending: CleanupPendingError | undefined;
    const gone = this.#goneOf(key);
    for (const watched of this.#watched) {
      const { watch, informer } = watched;
      const uidKey = conventionKeys(watch.conventions).workflowExecutionUidAnnotation;
      for (const object of informer.byIndex(ownerIndex(watch.conventions), key)) {
        const owner = object.metadata?.annotations?.[uidKey];
        const uid = object.metadata?.uid;
        if (owner === undefined || owner === current || uid === undefined || gone.has(uid))
          continue;
        let remaining: KubeObject | undefined = object;
        if (!object.metadata?.deletionTimestamp) {
          const wait = await watch.deletionPending?.(object, signal);
          if (wait) {
            if (!pending || wait.retryAfterSeconds < pending.retryAfterSeconds) pending = wait;
            continue;
          }
          const deleted = await this.#delete(watch, object, key, signal);
          // Written since the copy the engine's wait was decided on (a graceful cancel within
          // the watch's lag, say): that write's own event brings the key back to decide again.
          if (deleted === 'changed') continue;
          remaining = deleted;
          if (remaining) informer.observe(remaining);
        }
        if (remaining) remaining = await this.#removeFinalizers(watched, remaining, signal);
        if (!remaining) gone.add(uid);
      }
    }
    if (gone.size > 0) this.#gone.set(key, gone);
    else this.#gone.delete(key);
    if (pending) throw pending;
  }

  /** The uids of `key`'s resources seen gone (#gone) that an informer still holds. */
  #goneOf(key: string): Set<string> {
    const seen = this.#gone.get(key);
    const held = new Set<string>();
    if (!seen) return held;
    for (const { watch, informer } of this.#watched) {
      for (const object of informer.byIndex(ownerIndex(watch.conventions), key)) {
        const uid = object.metadata?.uid;
        if (uid !== undefined && seen.has(uid)) held.add(uid);
      }
    }
    return held;
  }

  /** Whether the cache holds any resource that names `key` as its owner. */
  holds(key: string): boolean {
    return this.#watched.some(
      ({ watch, informer }) => informer.byIndex(ownerIndex(watch.conventions), key).length > 0,
    );
  }

  /**
   * A cached resource the execution `key` of uid `uid` created and that is not being deleted,
   * if any. The same index answers for a live execution what it answers for a gone one: a
   * controller killed between a create and the Running write leaves a resource that only its
   * owner annotations record, and a restarted controller, whose claims died with it
   * (`ExecutionsByTarget.claim`), learns from it that the execution holds its target, and
   * when its workflow was started (`createdAt`, the resource's creationTimestamp), which the
   * adoption records as the execution's start rather than the time it was adopted.
   *
   * Given `engine` (the execution's), only a resource its own watches select: one another
   * engine's watch holds that names the execution's uid all the same (its labels and
   * annotations copied), of another kind or of the same kind outside the engine's own
   * selector (`ExecutionWatch.labelSelector`, what the engine declared its objects to be), is
   * nothing that engine made: adopting it would report, and later delete, another engine's
   * object, and an engine that finds none under that name has the start retried for ever.
   */
  createdFor(key: string, uid: string, engine?: string): CreatedResource | undefined {
    for (const { engine: declaredBy, watch, informer } of this.#watched) {
      if (engine !== undefined && declaredBy !== engine) continue;
      const uidKey = conventionKeys(watch.conventions).workflowExecutionUidAnnotation;
      for (const object of informer.byIndex(ownerIndex(watch.conventions), key)) {
        const { annotations, deletionTimestamp, name, creationTimestamp } = object.metadata ?? {};
        if (annotations?.[uidKey] === uid && !deletionTimestamp && name)
          return {
            name,
            kind: watch.resource.kind,
            ...(creationTimestamp ? { createdAt: creationTimestamp } : {}),
          };
      }
    }
    return undefined;
  }

  /**
   * Takes off the engine's finalizers, which only the gone execution's cleanup would have, by
   * the rule the engine's cleanup follows (`removeFinalizerAsRead`), each from the object as
   * the last write left it. Resolves to the object as the last write left it, or undefined when
   * a removal deleted it (it was being deleted, and held by nothing else).
   */
  async #removeFinalizers(
    { watch, informer }: Pick<WatchedResources, 'watch' | 'informer'>,
    object: KubeObject,
    signal: AbortSignal | undefined,
  ): Promise<KubeObject | undefined> {
    let current = object;
    for (const finalizer of watch.finalizers ?? []) {
      const written = await removeFinalizerAsRead(
        this.#client,
        watch.resource,
        current,
        finalizer,
        {
          signal,
        },
      );
      if (!written) continue;
      if (!isStillStored(written)) return undefined;
      informer.observe(written);
      current = written;
    }
    return current;
  }

  /**
   * Deletes `object` as read; resolves to it as the API server answered when it stays, being
   * deleted, and to undefined when nothing of it is left: gone already, replaced by another of
   * its name, or removed by the delete. Where the engine's `deletionPending` judged the copy,
   * only that copy is deleted (`asDecided`), and `changed` says it was written since.
   */
  async #delete(
    watch: ExecutionWatch,
    object: KubeObject,
    owner: string,
    signal: AbortSignal | undefined,
  ): Promise<KubeObject | undefined | 'changed'> {
    const answer = await deleteAsReadAnswered(this.#client, watch.resource, object, {
      propagationPolicy: watch.deletion ?? 'Background',
      asDecided: watch.deletionPending !== undefined,
      signal,
    });
    if (answer.outcome === 'changed') return 'changed';
    if (answer.outcome !== 'deleted') return undefined;
    const { namespace, name } = object.metadata ?? {};
    this.#logger.info(
      { kind: watch.resource.kind, namespace, name, wfe: owner },
      `deleted ${watch.resource.kind} whose WorkflowExecution is gone`,
    );
    return answer.remaining;
  }
}
