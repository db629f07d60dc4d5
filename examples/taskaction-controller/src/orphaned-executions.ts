import { hasFinalizer, type Informer, splitKey } from '@roundhouse/controller';
import {
  conventionKeys,
  type ExecutionWatch,
  executionOwnerKey,
  type Logger,
  noopLogger,
} from '@roundhouse/core';
import { deleteAsRead, type KubeClient, type KubeObject } from '@roundhouse/kube';
import { actionKeyOf, attemptTarget } from './attempt.js';
import { abortFinalizer } from './resource.js';

/** One kind of execution resource an engine declares, with the informer that caches it. */
export interface WatchedExecutions {
  readonly watch: ExecutionWatch;
  readonly informer: Pick<
    Informer<KubeObject>,
    'addIndex' | 'byIndex' | 'list' | 'on' | 'hasSynced'
  >;
}

const actionIndex = 'taskaction';

/**
 * Execution resources (Jobs) whose TaskAction went without its finalizer's abort: deleted
 * after someone removed the finalizer (to force a deletion while no controller ran, as Flyte's
 * users ask in #7926), or by a namespace torn down the same way, or created by a controller that
 * lost its leadership after its successor had aborted the action. Nothing else removes them: a
 * Job lives in the execution namespace, where no owner reference can reach a TaskAction, and
 * would run on to its deadline.
 *
 * Each is found through its owner's action key (`<namespace>/<action>`, from the attempt its
 * labels and target name), so the reconcile of that key releases it; every cached Job wakes its
 * action when the controller starts, so a restarted controller finds each one at once.
 *
 * Labels and annotations are all a Job shows of its owner, and anyone who may create Jobs in the
 * execution namespace may write them: a Job that claims an action without being its own (a
 * decoy) must never be deleted in its place. So a Job is deleted only when it records an owner
 * uid and that uid's action is shown to be gone:
 *
 * - an action this controller has seen under the key, and which is now absent (the API server
 *   confirms it), or present under another uid;
 * - the action that holds the key, being deleted without the finalizer that would abort it;
 * - a Job that was there before this controller started, naming an action that is absent, or
 *   an action created after the Job: one deleted while no controller ran, which no process
 *   can have seen.
 *
 * A decoy made while the controller runs, claiming a live action, is therefore never deleted;
 * what remains indistinguishable is one made while no controller ran for an action that did not
 * exist then or was deleted meanwhile. Each delete carries the uid that was read, so an object
 * created under the same name since is never touched.
 */
export class OrphanedExecutions {
  readonly #client: KubeClient;
  readonly #watched: readonly WatchedExecutions[];
  readonly #logger: Logger;
  /**
   * The whole second this controller started watching in: a Job created in an earlier one was
   * there before it, and may be a gone action's. The API server's times are whole seconds, so
   * a Job stamped with this very second is told apart by `#startSecond`.
   */
  readonly #startedAt: number;
  /**
   * The uids of the Jobs stamped with the start's second that an informer's first list held:
   * made before this controller could see anything. A Job of that second its watch brought
   * later (a decoy beside a live action, created in the second the controller started) is not
   * among them, even when no reconcile ran before it came.
   */
  readonly #startSecond = new Set<string>();
  /**
   * Until the first `has` or `release`: the workers, their only callers, start once every
   * informer synced, so no list after that (a restarted informer's relist) is a first one.
   */
  #firstLists = true;
  /** The uids of the actions seen under each key that has execution resources. */
  readonly #seen = new Map<string, Set<string>>();

  constructor(
    client: KubeClient,
    watched: readonly WatchedExecutions[],
    options: { readonly logger?: Logger | undefined; readonly now?: (() => Date) | undefined } = {},
  ) {
    this.#client = client;
    this.#watched = watched;
    this.#logger = options.logger ?? noopLogger;
    this.#startedAt = Math.floor((options.now?.() ?? new Date()).getTime() / 1000) * 1000;
    for (const { watch, informer } of watched) {
      // The adds before an informer's sync are its first list; one synced already listed them.
      if (informer.hasSynced()) this.#noteListed(informer.list());
      informer.on('add', (object) => {
        if (this.#firstLists && !informer.hasSynced()) this.#noteListed([object]);
      });
      const targetKey = conventionKeys(watch.conventions).targetResourceAnnotation;
      informer.addIndex(actionIndex, (object) => {
        const owner = executionOwnerKey(object.metadata, watch.conventions);
        const key = owner && actionKeyOf(owner);
        // An attempt's target is the attempt: what another controller sharing the execution
        // namespace made (a WorkflowExecution's Job, whose owner name may end in -<n> too) is
        // never taken for one.
        const { namespace, name } = splitKey(owner ?? '');
        const target = object.metadata?.annotations?.[targetKey];
        if (!key || !namespace || target !== attemptTarget(namespace, name)) return [];
        return [key];
      });
    }
  }

  /** Whether any cached execution resource names the action `key` as its owner. */
  has(key: string): boolean {
    this.#firstLists = false;
    return this.#watched.some(({ informer }) => informer.byIndex(actionIndex, key).length > 0);
  }

  /**
   * Deletes the cached execution resources of `key` that belong to no live action: `action` is
   * the TaskAction of that key as last read, null when the API server says there is none.
   */
  async release(key: string, action: KubeObject | null, signal?: AbortSignal): Promise<void> {
    this.#firstLists = false;
    const seen = this.#seen.get(key) ?? new Set<string>();
    const uid = action?.metadata?.uid;
    if (uid) this.#seen.set(key, seen.add(uid));
    for (const { watch, informer } of this.#watched) {
      const uidKey = conventionKeys(watch.conventions).workflowExecutionUidAnnotation;
      for (const object of informer.byIndex(actionIndex, key)) {
        const owner = object.metadata?.annotations?.[uidKey];
        if (object.metadata?.deletionTimestamp || owner === undefined) continue;
        if (!this.#isOrphan(object, owner, action, seen)) continue;
        await this.#delete(watch, object, key, signal);
      }
    }
    // Nothing of an absent action is left to judge: its key may name another action next.
    if (!action) this.#seen.delete(key);
  }

  #isOrphan(
    object: KubeObject,
    owner: string,
    action: KubeObject | null,
    seen: ReadonlySet<string>,
  ): boolean {
    const meta = action?.metadata;
    if (action && owner === meta?.uid) {
      return Boolean(meta.deletionTimestamp) && !hasFinalizer(action, abortFinalizer);
    }
    if (seen.has(owner)) return true;
    const created = Date.parse(object.metadata?.creationTimestamp ?? '');
    const listed =
      created < this.#startedAt ||
      (created === this.#startedAt && this.#startSecond.has(object.metadata?.uid ?? ''));
    if (!listed) return false;
    // Both times are whole seconds: an action deleted and created again within the second its
    // predecessor's Job was created shows the same time as that Job.
    return !meta || created <= Date.parse(meta.creationTimestamp ?? '');
  }

  #noteListed(objects: readonly KubeObject[]): void {
    for (const object of objects) {
      const { creationTimestamp, uid } = object.metadata ?? {};
      if (uid && Date.parse(creationTimestamp ?? '') === this.#startedAt)
        this.#startSecond.add(uid);
    }
  }

  async #delete(
    watch: ExecutionWatch,
    object: KubeObject,
    action: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const outcome = await deleteAsRead(this.#client, watch.resource, object, {
      propagationPolicy: watch.deletion ?? 'Background',
      signal,
    });
    if (outcome === 'deleted') {
      const { namespace, name } = object.metadata ?? {};
      this.#logger.info(
        { kind: watch.resource.kind, namespace, name, action },
        `deleted ${watch.resource.kind} whose TaskAction is gone`,
      );
    }
  }
}
