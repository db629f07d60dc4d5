/**
 * Past 350 lines: the Job mode's one reconcile loop, per node, over the state it reads once;
 * the pure parts (the Job, the results) live apart.
 */
import type { V1Toleration } from '@kubernetes/client-node';
import {
  addFinalizer,
  hasFinalizer,
  type Informer,
  type InformerCache,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  removeFinalizer,
  splitKey,
  updateStatus,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  type Conventions,
  conventionKeys,
  type Executor,
  executionOwnerKey,
  executionResourceName,
  toLabelValue,
} from '@roundhouse/core';
import { deleteAsRead, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { type NodeDirectory, unknownNodes } from '../nodes.js';
import {
  entryAfter,
  holdsFinalizer,
  type NodeStep,
  nodeStep,
  type Observation,
  sameStep,
} from '../plan.js';
import { distExecs, jobsFinalizer } from '../resource.js';
import { withResultsWithin } from '../results.js';
import { type DistExecView, distExecView, type NodeResult } from '../spec.js';
import { forgetNodes, maxWriteAttempts } from '../status-writes.js';
import { createOutcomeUnknown } from './create-outcome.js';
import { admitImage } from './image-policy.js';
import { jobsByOwner } from './job-index.js';
import {
  isJobRefusal,
  JobsRefusedError,
  jobRefused,
  refusalText,
  refusedJobEntry,
  refusedJobObservation,
} from './job-refusal.js';
import { NamespaceJobRoom, type RoomJobs } from './namespace-room.js';
import { runsOn } from './node-eligibility.js';
import { nodeExecution, observeJob, parseNodeTarget } from './node-job.js';
import { admitTimeout, type TimeoutPolicy } from './timeout-policy.js';

export interface JobModeReconcilerOptions {
  /** Writes status, finalizers and deletes Jobs. */
  readonly client: KubeClient;
  /** DistExecs as the controller's informers have them; a miss is asked of the API server. */
  readonly cache: InformerCache;
  /** The DistExecs informer, told of every write's answer before its watch event arrives. */
  readonly distExecs: Pick<Informer<KubeObject>, 'observe'>;
  /** The node Jobs, indexed by their DistExec (`jobsByOwner`). */
  readonly jobs: RoomJobs;
  readonly nodes: NodeDirectory;
  /** The node-Job executor (a ResourceExecutor over `nodeJobResourceEngine`). */
  readonly executor: Executor;
  readonly conventions: Conventions;
  readonly executionNamespace: string;
  /** The image a DistExec without `spec.image` runs in. */
  readonly image: string;
  /** Images node Jobs may run (see `admitImage`); empty refuses every one. */
  readonly allowedImages: readonly string[];
  /**
   * The taints node Jobs tolerate (the operator's, none by default): a node with any other
   * that keeps pods off, a cordoned one or one not Ready gets no Job (see `runsOn`).
   */
  readonly tolerations: readonly V1Toleration[];
  /** The node Jobs' default and longest deadline (see `admitTimeout`). */
  readonly timeouts: TimeoutPolicy;
  /** How often a DistExec with running Jobs is looked at even without a Job event. */
  readonly resyncMs: number;
  /**
   * The most unfinished node Jobs the DistExecs of one namespace hold at once (indexed under
   * `jobsInFlightByNamespace`), so one tenant's DistExec of thousands of nodes leaves room in
   * the execution namespace's quota for the others; unset, no limit.
   */
  readonly maxJobsPerNamespace?: number | undefined;
  /**
   * Reconciles the DistExec of a key soon (the controller's `enqueue`): the one whose turn a
   * slot of its namespace's room is, when another's reconcile leaves it free.
   */
  readonly wake?: ((key: string) => void) | undefined;
  /** The clock of refused Jobs' deadlines and of how long a lost create holds its slot. */
  readonly now?: (() => Date) | undefined;
}

/** Every node's step, and what else a DistExec needs, as one object shows it. */
interface Plan {
  readonly view: DistExecView;
  readonly steps: ReadonlyMap<string, { step: NodeStep; observation: Observation }>;
  readonly staleJobs: readonly KubeObject[];
  readonly unknownNodes: readonly string[];
  readonly running: boolean;
}

/**
 * The Job-per-node alternative to the agents: one controller creates, for every selected node,
 * a Job pinned to it, and writes every node's entry from its Job. The same per-node steps as
 * the agents (`nodeStep`), so generations, retries, node selection and removal behave alike;
 * the Job's name is the attempt's lock, so creating it again adopts it instead of re-running.
 */
export class JobModeReconciler implements Reconciler {
  readonly #o: JobModeReconcilerOptions;
  readonly #now: () => Date;
  readonly #room: NamespaceJobRoom;

  constructor(options: JobModeReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    this.#room = new NamespaceJobRoom(
      options.maxJobsPerNamespace,
      options.jobs,
      options.executionNamespace,
      () => this.#now().getTime(),
    );
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const waits = { forRoom: false };
    const namespace = splitKey(key).namespace ?? '';
    try {
      await this.#readUnanswered(namespace, ctx.signal);
      const result = await this.#reconcile(key, ctx, waits);
      // Waiting for a slot a lost create holds: back when a read of its Job is due, which may
      // free it, rather than at the resync.
      const readDue = waits.forRoom ? this.#room.readDueIn(namespace) : undefined;
      if (readDue === undefined) return result;
      return { requeueAfter: Math.min(readDue, result?.requeueAfter ?? readDue) };
    } finally {
      // A DistExec asks for room only while a node of it waits for a slot: one that failed
      // (its retry asks again) or needs none must not keep its turn from the others.
      if (!waits.forRoom) this.#room.leave(key);
      // The DistExec whose turn a free slot is may not be this one: woken, or it would wait
      // for its resync while this one's Jobs ending keep waking this one.
      const next = this.#room.next(namespace);
      if (next !== undefined && next !== key) this.#o.wake?.(next);
    }
  }

  async #reconcile(
    key: string,
    ctx: ReconcileContext,
    waits: { forRoom: boolean },
  ): Promise<ReconcileResult | undefined> {
    const { namespace = '', name } = splitKey(key);
    const { client, cache } = this.#o;
    const signal = ctx.signal;
    // Every write below is conditional on the resourceVersion it was decided from, and its
    // answer goes back into the cache: acting on the cached copy costs no read, and a copy
    // that moved on meanwhile only costs a conflict, after which the object is read afresh.
    const object = await cache.get<KubeObject>(distExecs, namespace, name, { signal });
    if (!object || object.metadata?.deletionTimestamp) {
      // Gone or going: its Jobs are deleted (their pods with them), then it is let go.
      const uid = object?.metadata?.uid;
      await this.#deleteJobs(this.#jobsOf(namespace, name, uid), signal);
      if (object && hasFinalizer(object, jobsFinalizer)) {
        // The cache may not show yet a Job created just before the deletion: the finalizer is
        // the only thing that keeps it from outliving the DistExec, so it goes only once the
        // API server's own list of the DistExec's Jobs has been deleted too.
        await this.#deleteJobs(await this.#liveJobsOf(namespace, name, uid, signal), signal);
        this.#observe(await removeFinalizer(client, distExecs, object, jobsFinalizer, { signal }));
      }
      return undefined;
    }
    await this.#deletePredecessorJobs(object, signal);
    const plan = await this.#plan(object, signal);
    const finalizer = hasFinalizer(object, jobsFinalizer);
    const idle =
      plan.staleJobs.length === 0 &&
      plan.unknownNodes.length === 0 &&
      finalizer === plan.running &&
      [...plan.steps.values()].every(({ step }) => step.kind === 'wait' || step.kind === 'settled');
    if (idle) return plan.running ? { requeueAfter: this.#o.resyncMs } : undefined;
    let current: KubeObject | null = object;
    if (plan.unknownNodes.length > 0) {
      const dead = await this.#o.nodes.missing(plan.unknownNodes, signal);
      if (dead.length > 0) {
        current = this.#observe(
          await forgetNodes(client, object, dead, (v) => this.#selected(v), signal),
        );
      }
    }
    if (plan.running && current) {
      const held = this.#observe(
        await addFinalizer(client, distExecs, current, jobsFinalizer, { signal }),
      );
      // A Job runs the spec it was decided from, so that spec must be the object's as it is
      // now: the finalizer write's answer shows it; with nothing written (a retry, the
      // finalizer already held) it is read. A change the cache had not shown yet is decided
      // afresh by the reconcile its event wakes.
      const starts = [...plan.steps.values()].some(({ step }) => step.kind === 'start');
      const now =
        held === current && starts
          ? this.#observe(await client.get<KubeObject>(distExecs, namespace, name, { signal }))
          : held;
      if (
        !now ||
        now.metadata?.uid !== object.metadata?.uid ||
        now.metadata?.deletionTimestamp ||
        now.metadata?.generation !== object.metadata?.generation
      ) {
        return undefined;
      }
      current = now;
    }
    const refused = new Map<string, string>();
    const held = new Map<string, string>();
    // Nodes whose Job waits for room under --max-jobs-per-namespace: no entry yet (pending).
    const deferred = new Set<string>();
    let refusal: unknown;
    // Once the room refuses this DistExec a slot, the rest of the loop sends no create, so
    // nothing it counts changes and it would refuse every later node alike: they are deferred
    // without asking (a take costs the namespace's claimants and holders, for every node).
    let roomRefused = false;
    const claim = { key, createdAt: object.metadata?.creationTimestamp ?? '' };
    for (const [node, { step }] of plan.steps) {
      if (step.kind !== 'start') continue;
      if (refusal !== undefined) {
        // Past a refusal (a full quota) every other create would be refused too: each costs a
        // request, and a DistExec of thousands of nodes would send thousands on every retry.
        held.set(
          node,
          `not created while the API server refuses this DistExec's Jobs: ${refusalText(refusal)}`,
        );
        continue;
      }
      const slot = roomRefused ? undefined : this.#room.take(claim);
      if (!slot) {
        roomRefused = true;
        deferred.add(node);
        continue;
      }
      const wfe = nodeExecution(plan.view, step.spec, node, step.attempt, this.#o.image);
      try {
        const created = await this.#o.executor.create(wfe, this.#o.executionNamespace, {
          signal,
        });
        // The version the create, or the read that adopted the Job, was answered with: an
        // adopted Job the informer never held (created while its watch was broken, by a create
        // whose answer was lost) frees its slot by it too. A create that throws leaves none.
        this.#room.settle(slot, created.resourceName, created.resourceVersion);
      } catch (error) {
        if (createOutcomeUnknown(error)) {
          // Its Job may exist: the slot is held until a read of it tells (`#readUnanswered`).
          const job = executionResourceName(
            wfe.spec.targetResource,
            this.#o.conventions.namePrefix,
          );
          this.#room.settleUnanswered(slot, job);
        } else {
          this.#room.settle(slot);
        }
        if (isJobRefusal(error)) {
          refusal = error;
          held.set(node, `the API server refused the node's Job: ${refusalText(error)}`);
          continue;
        }
        // A Job that cannot be built now never will be from this spec: recorded, not retried.
        if (!(error instanceof ConfigurationError)) throw error;
        refused.set(node, `the node's Job cannot be built: ${error.message}`);
      }
    }
    if (current) {
      current = this.#observe(
        await this.#write(current, plan, { refused, held, deferred }, signal),
      );
    }
    await this.#deleteJobs(plan.staleJobs, signal);
    const running = [...plan.steps].some(
      ([node, { step }]) => holdsFinalizer(step) && !refused.has(node),
    );
    if (!running && current) {
      this.#observe(await removeFinalizer(client, distExecs, current, jobsFinalizer, { signal }));
    }
    if (refusal !== undefined) throw new JobsRefusedError(key, held.size, refusal);
    waits.forRoom = deferred.size > 0;
    return running ? { requeueAfter: this.#o.resyncMs } : undefined;
  }

  /**
   * Deletes the Jobs an earlier DistExec of this name left: one that held no finalizer (it had
   * finished) and was deleted while no reconcile saw it go, then created again, is never
   * reconciled as gone, and its Jobs, holding the same names as this one's attempts, would keep
   * them from starting for ever. They are another incarnation's only once the API server says
   * this one holds the name now (the cache may still show an incarnation that is gone).
   */
  async #deletePredecessorJobs(object: KubeObject, signal: AbortSignal): Promise<void> {
    const { namespace = '', name = '', uid } = object.metadata ?? {};
    const keys = conventionKeys(this.#o.conventions);
    const others = this.#jobsOf(namespace, name, undefined).filter(
      (job) => job.metadata?.annotations?.[keys.workflowExecutionUidAnnotation] !== uid,
    );
    if (others.length === 0) return;
    const live = await this.#o.client.get<KubeObject>(distExecs, namespace, name, { signal });
    if (live?.metadata?.uid === uid) await this.#deleteJobs(others, signal);
  }

  /**
   * Reads by name each Job of `namespace`'s DistExecs whose create's answer was lost, so the
   * room learns whether it holds a slot: a quorum read, on this rare path only. A read that
   * fails leaves the slot held, and is tried again at the namespace's next reconcile; one
   * aborted (shutdown, the reconcile's timeout) tells nothing of the API server, and ends the
   * reconcile as its signal asks.
   */
  async #readUnanswered(namespace: string, signal: AbortSignal): Promise<void> {
    for (const job of this.#room.unanswered(namespace)) {
      try {
        const found = await this.#o.client.get<KubeObject>(
          resources.jobs,
          this.#o.executionNamespace,
          job,
          { signal },
        );
        this.#room.read(job, found);
      } catch (error) {
        if (signal.aborted) throw error;
        this.#room.readFailed(job);
      }
    }
  }

  /** The nodes the DistExec selects that its Jobs may run on, or that run its current attempt. */
  #selected(view: DistExecView): string[] {
    return this.#o.nodes.selected(view, this.#runsOn);
  }

  /** Whether a node Job may start on `node` now. */
  readonly #runsOn = (node: KubeObject): boolean => runsOn(node, this.#o.tolerations);

  /** Caches a write's answer (read-your-writes), so its own watch event wakes nothing. */
  #observe<T extends KubeObject | null>(written: T): T {
    if (written) this.#o.distExecs.observe(written);
    return written;
  }

  async #plan(object: KubeObject, signal: AbortSignal): Promise<Plan> {
    const view = distExecView(object);
    const selected = this.#selected(view);
    const decide = this.#deciding(view, selected);
    const nodes = [...new Set([...selected, ...Object.keys(view.results)])].sort();
    const steps = new Map<string, { step: NodeStep; observation: Observation }>();
    for (const node of nodes) {
      const observation = await this.#observeJob(view, node, signal);
      steps.set(node, { step: decide(node, observation), observation });
    }
    // Jobs of an older generation, or of a node no longer selected (or gone), are cancelled;
    // an earlier attempt's Job goes once the status records a later attempt, so a node keeps
    // one Job (in the cache, in etcd, against a count/jobs quota), not one per retry. Told from
    // the recorded entry, never from the attempt being started: a crash before that entry is
    // written leaves the earlier Job, which the next reconcile still reads.
    const { namespace, name, uid } = view.metadata;
    const target = conventionKeys(this.#o.conventions).targetResourceAnnotation;
    const chosen = new Set(selected);
    const staleJobs = this.#jobsOf(namespace, name, uid).filter((job) => {
      const of = parseNodeTarget(job.metadata?.annotations?.[target], namespace, name);
      return (
        of !== undefined &&
        (of.generation < view.generation ||
          !chosen.has(of.node) ||
          supersededAttempt(of, view.results[of.node], view.generation))
      );
    });
    return {
      view,
      steps,
      staleJobs,
      // Only the entries this controller wrote: node finalizers are the agents', which Job mode
      // neither adds nor removes, and an author may add any number of them, each of which
      // would otherwise cost a read of that Node on every reconcile, for ever.
      unknownNodes: unknownNodes(view, [], this.#o.nodes.known()),
      running: [...steps.values()].some(({ step }) => holdsFinalizer(step)),
    };
  }

  /**
   * Each node's step for `view`, as a function of the node and what its Job shows; what every
   * node shares (the admitted spec, the selection) is worked out once, not once per node.
   */
  #deciding(
    view: DistExecView,
    selected: readonly string[],
  ): (node: string, observation: Observation) => NodeStep {
    // Only what starts is checked: a Job already running is observed to its end.
    const spec = admitTimeout(
      admitImage(view.spec, this.#o.allowedImages, this.#o.image),
      this.#o.timeouts,
    );
    const chosen = new Set(selected);
    // A node that ran the current attempt stays selected once cordoned or down, so its attempt
    // is observed to its end; a retry there waits, as a first attempt does, until it opens.
    const open = new Set(this.#o.nodes.selected({ ...view, results: {} }, this.#runsOn));
    const maxAttempts = (view.spec.valid ? (view.spec.value.retries ?? 0) : 0) + 1;
    return (node, observation) => {
      const step = nodeStep({
        generation: view.generation,
        spec,
        selected: chosen.has(node),
        entry: view.results[node],
        observation,
        maxAttempts,
      });
      return step.kind === 'start' && step.after && !open.has(node)
        ? { kind: 'wait', attempt: step.attempt - 1 }
        : step;
    };
  }

  /** The Job of the node's current attempt, as the executor reads it. */
  async #observeJob(view: DistExecView, node: string, signal: AbortSignal): Promise<Observation> {
    const entry = view.results[node];
    if (
      !view.spec.valid ||
      entry?.phase !== 'Running' ||
      entry.observedGeneration !== view.generation
    ) {
      return { kind: 'none' };
    }
    const wfe = nodeExecution(view, view.spec.value, node, entry.attempts, this.#o.image);
    // The entry is written once: a failure the cache cannot explain (a Job seen Failed before
    // its pod) is read from the API server by the engine (`nodeJobResourceEngine`), so it keeps
    // the exit code.
    const observation = observeJob(
      await this.#o.executor.getStatus(wfe, this.#o.executionNamespace, { signal }),
    );
    if (entry.reason !== jobRefused) return observation;
    // Created after all (a create whose answer was lost): begun again, which adopts the Job and
    // writes the entry afresh without the refusal.
    if (observation.kind === 'running') return { kind: 'unstarted' };
    if (observation.kind === 'finished') return observation;
    const seconds = view.spec.value.timeoutSeconds ?? this.#o.timeouts.defaultSeconds;
    return refusedJobObservation(entry, seconds, this.#now());
  }

  /**
   * Writes every node's entry whose step still applies to the live object, in one write; a
   * node in `refused` (its Job could not be built) is recorded as a refused spec instead, one
   * in `held` (the API server refused its Job) as waiting, with the server's answer, and one in
   * `deferred` (no room under the namespace's limit) not at all.
   */
  async #write(
    object: KubeObject,
    plan: Plan,
    {
      refused,
      held,
      deferred,
    }: {
      refused: ReadonlyMap<string, string>;
      held: ReadonlyMap<string, string>;
      deferred: ReadonlySet<string>;
    },
    signal: AbortSignal,
  ): Promise<KubeObject | null> {
    const now = this.#now();
    return updateStatus<KubeObject>(
      this.#o.client,
      distExecs,
      plan.view.metadata.namespace,
      plan.view.metadata.name,
      (current) => {
        const view = distExecView(current);
        const selected = this.#selected(view);
        const decide = this.#deciding(view, selected);
        const changes: Record<string, NodeResult | undefined> = {};
        for (const [node, { step, observation }] of plan.steps) {
          if (deferred.has(node) || !sameStep(step, decide(node, observation))) continue;
          const previous = view.results[node];
          const waiting = held.get(node);
          if (waiting !== undefined && step.kind === 'start') {
            changes[node] = refusedJobEntry(view.generation, step.attempt, waiting, now, previous);
            continue;
          }
          const message = refused.get(node);
          const written: NodeStep = message === undefined ? step : { kind: 'reject', message };
          const entry = entryAfter(written, view.generation, previous, now);
          if (entry !== null) changes[node] = entry;
        }
        if (Object.keys(changes).length === 0) return undefined;
        return withResultsWithin(current, changes, view.generation, selected);
      },
      { signal, current: object, maxAttempts: maxWriteAttempts },
    );
  }

  /** The Jobs of a DistExec (of this incarnation, when `uid` is known), from the cache. */
  #jobsOf(namespace: string, name: string, uid: string | undefined): KubeObject[] {
    const keys = conventionKeys(this.#o.conventions);
    return this.#o.jobs.byIndex(jobsByOwner, `${namespace}/${name}`).filter((job) => {
      const owner = job.metadata?.annotations?.[keys.workflowExecutionUidAnnotation];
      return uid === undefined || owner === uid;
    });
  }

  /** The Jobs of a DistExec incarnation as the API server lists them, by its owner labels. */
  async #liveJobsOf(
    namespace: string,
    name: string,
    uid: string | undefined,
    signal: AbortSignal,
  ): Promise<KubeObject[]> {
    const keys = conventionKeys(this.#o.conventions);
    const { items } = await this.#o.client.list<KubeObject>(
      resources.jobs,
      this.#o.executionNamespace,
      {
        labelSelector: `${keys.workflowExecutionLabel}=${toLabelValue(name)},${keys.sourceNamespaceLabel}=${toLabelValue(namespace)}`,
        signal,
      },
    );
    return items.filter(
      (job) =>
        executionOwnerKey(job.metadata, this.#o.conventions) === `${namespace}/${name}` &&
        (uid === undefined ||
          job.metadata?.annotations?.[keys.workflowExecutionUidAnnotation] === uid),
    );
  }

  /** Deletes Jobs with their pods; one already gone or replaced (uid precondition) is fine. */
  async #deleteJobs(jobs: readonly KubeObject[], signal: AbortSignal): Promise<void> {
    for (const job of jobs) {
      if (job.metadata?.deletionTimestamp) continue;
      await deleteAsRead(this.#o.client, resources.jobs, job, {
        propagationPolicy: 'Background',
        signal,
      });
    }
  }
}

/**
 * Whether a Job of `of`'s attempt is an earlier one than the attempt `entry` records for the
 * current generation: that attempt's outcome is in the entry already, and no read asks for it.
 */
function supersededAttempt(
  of: { generation: number; attempt: number },
  entry: NodeResult | undefined,
  generation: number,
): boolean {
  return (
    of.generation === generation &&
    entry?.observedGeneration === generation &&
    entry.attempts > of.attempt
  );
}
