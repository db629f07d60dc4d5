import {
  addFinalizer,
  hasFinalizer,
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
  toLabelValue,
} from '@roundhouse/core';
import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
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
import { withResults } from '../results.js';
import { type DistExecView, distExecView, type NodeResult } from '../spec.js';
import { forgetNodes, maxWriteAttempts } from '../status-writes.js';
import { admitImage } from './image-policy.js';
import { nodeExecution, observeJob, parseNodeTarget } from './node-job.js';

export interface JobModeReconcilerOptions {
  /** Writes status, finalizers and deletes Jobs. */
  readonly client: KubeClient;
  /** DistExecs, Jobs and Pods, as the controller's informers have them. */
  readonly cache: InformerCache;
  readonly nodes: NodeDirectory;
  /** The node-Job executor (a ResourceExecutor over `nodeJobResourceEngine`). */
  readonly executor: Executor;
  readonly conventions: Conventions;
  readonly executionNamespace: string;
  /** The image a DistExec without `spec.image` runs in. */
  readonly image: string;
  /** Images node Jobs may run (see `admitImage`); empty refuses every one. */
  readonly allowedImages: readonly string[];
  /** How often a DistExec with running Jobs is looked at even without a Job event. */
  readonly resyncMs: number;
  readonly now?: () => Date;
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

  constructor(options: JobModeReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace = '', name } = splitKey(key);
    const { client, cache } = this.#o;
    const signal = ctx.signal;
    const cached = await cache.get<KubeObject>(distExecs, namespace, name, { signal });
    if (cached && !cached.metadata?.deletionTimestamp) {
      const quick = await this.#plan(cached, signal);
      const finalizer = hasFinalizer(cached, jobsFinalizer);
      const idle =
        quick.staleJobs.length === 0 &&
        quick.unknownNodes.length === 0 &&
        finalizer === quick.running &&
        [...quick.steps.values()].every(
          ({ step }) => step.kind === 'wait' || step.kind === 'settled',
        );
      if (idle) return quick.running ? { requeueAfter: this.#o.resyncMs } : undefined;
    }
    const live = cached && (await client.get<KubeObject>(distExecs, namespace, name, { signal }));
    if (!live || live.metadata?.deletionTimestamp) {
      // Gone or going: its Jobs are deleted (their pods with them), then it is let go.
      await this.#deleteJobs(await this.#jobsOf(namespace, name, live?.metadata?.uid), signal);
      if (live) await removeFinalizer(client, distExecs, live, jobsFinalizer, { signal });
      return undefined;
    }
    const plan = await this.#plan(live, signal);
    let current: KubeObject | null = live;
    if (plan.unknownNodes.length > 0) {
      const dead = await this.#o.nodes.missing(plan.unknownNodes, signal);
      if (dead.length > 0) {
        current = await forgetNodes(
          client,
          plan.view,
          dead,
          (v) => this.#o.nodes.selected(v),
          signal,
        );
      }
    }
    if (plan.running && current) {
      current = await addFinalizer(client, distExecs, current, jobsFinalizer, { signal });
    }
    const refused = new Map<string, string>();
    for (const [node, { step }] of plan.steps) {
      if (step.kind !== 'start') continue;
      const wfe = nodeExecution(plan.view, step.spec, node, step.attempt, this.#o.image);
      try {
        await this.#o.executor.create(wfe, this.#o.executionNamespace, { signal });
      } catch (error) {
        // A Job that cannot be built now never will be from this spec: recorded, not retried.
        if (!(error instanceof ConfigurationError)) throw error;
        refused.set(node, `the node's Job cannot be built: ${error.message}`);
      }
    }
    if (current) current = await this.#write(current, plan, refused, signal);
    await this.#deleteJobs(plan.staleJobs, signal);
    const running = [...plan.steps].some(
      ([node, { step }]) => holdsFinalizer(step) && !refused.has(node),
    );
    if (!running && current) {
      await removeFinalizer(client, distExecs, current, jobsFinalizer, { signal });
    }
    return running ? { requeueAfter: this.#o.resyncMs } : undefined;
  }

  async #plan(object: KubeObject, signal: AbortSignal): Promise<Plan> {
    const view = distExecView(object);
    const selected = this.#o.nodes.selected(view);
    const nodes = [...new Set([...selected, ...Object.keys(view.results)])].sort();
    const steps = new Map<string, { step: NodeStep; observation: Observation }>();
    for (const node of nodes) {
      const observation = await this.#observe(view, node, signal);
      steps.set(node, {
        step: nodeStep(this.#situation(view, node, selected, observation)),
        observation,
      });
    }
    // Jobs of an older generation, or of a node no longer selected (or gone), are cancelled.
    const { namespace, name, uid } = view.metadata;
    const target = conventionKeys(this.#o.conventions).targetResourceAnnotation;
    const staleJobs = (await this.#jobsOf(namespace, name, uid)).filter((job) => {
      const of = parseNodeTarget(job.metadata?.annotations?.[target], namespace, name);
      return of !== undefined && (of.generation < view.generation || !selected.includes(of.node));
    });
    return {
      view,
      steps,
      staleJobs,
      unknownNodes: unknownNodes(view, object.metadata?.finalizers ?? [], this.#o.nodes.known()),
      running: [...steps.values()].some(({ step }) => holdsFinalizer(step)),
    };
  }

  #situation(
    view: DistExecView,
    node: string,
    selected: readonly string[],
    observation: Observation,
  ) {
    return {
      generation: view.generation,
      // Only what starts is checked: a Job already running is observed to its end.
      spec: admitImage(view.spec, this.#o.allowedImages, this.#o.image),
      selected: selected.includes(node),
      entry: view.results[node],
      observation,
      maxAttempts: (view.spec.valid ? (view.spec.value.retries ?? 0) : 0) + 1,
    };
  }

  /** The Job of the node's current attempt, as the executor reads it. */
  async #observe(view: DistExecView, node: string, signal: AbortSignal): Promise<Observation> {
    const entry = view.results[node];
    if (
      !view.spec.valid ||
      entry?.phase !== 'Running' ||
      entry.observedGeneration !== view.generation
    ) {
      return { kind: 'none' };
    }
    const wfe = nodeExecution(view, view.spec.value, node, entry.attempts, this.#o.image);
    return observeJob(
      await this.#o.executor.getStatus(wfe, this.#o.executionNamespace, { signal }),
    );
  }

  /**
   * Writes every node's entry whose step still applies to the live object, in one write; a
   * node in `refused` (its Job could not be built) is recorded as a refused spec instead.
   */
  async #write(
    object: KubeObject,
    plan: Plan,
    refused: ReadonlyMap<string, string>,
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
        const selected = this.#o.nodes.selected(view);
        const changes: Record<string, NodeResult | undefined> = {};
        for (const [node, { step, observation }] of plan.steps) {
          const again = nodeStep(this.#situation(view, node, selected, observation));
          if (!sameStep(step, again)) continue;
          const message = refused.get(node);
          const written: NodeStep = message === undefined ? step : { kind: 'reject', message };
          const entry = entryAfter(written, view.generation, view.results[node], now);
          if (entry !== null) changes[node] = entry;
        }
        if (Object.keys(changes).length === 0) return undefined;
        return withResults(current.status, changes, view.generation, selected);
      },
      { signal, current: object, maxAttempts: maxWriteAttempts },
    );
  }

  /** The Jobs of a DistExec (of this incarnation, when `uid` is known), from the cache. */
  async #jobsOf(namespace: string, name: string, uid: string | undefined): Promise<KubeObject[]> {
    const keys = conventionKeys(this.#o.conventions);
    const { items } = await this.#o.cache.list<KubeObject>(
      resources.jobs,
      this.#o.executionNamespace,
      {
        labelSelector: `${keys.workflowExecutionLabel}=${toLabelValue(name)},${keys.sourceNamespaceLabel}=${toLabelValue(namespace)}`,
      },
    );
    return items.filter((job) => {
      const owner = job.metadata?.annotations?.[keys.workflowExecutionUidAnnotation];
      return uid === undefined || owner === uid;
    });
  }

  /** Deletes Jobs with their pods; one already gone or replaced (uid precondition) is fine. */
  async #deleteJobs(jobs: readonly KubeObject[], signal: AbortSignal): Promise<void> {
    for (const job of jobs) {
      if (job.metadata?.deletionTimestamp) continue;
      try {
        await this.#o.client.delete(
          resources.jobs,
          job.metadata?.namespace,
          job.metadata?.name as string,
          {
            propagationPolicy: 'Background',
            preconditions: { uid: job.metadata?.uid as string },
            signal,
          },
        );
      } catch (error) {
        if (!isKubernetesError(error, 'Conflict')) throw error;
      }
    }
  }
}
