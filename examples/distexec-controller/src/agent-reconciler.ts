import {
  addFinalizer,
  hasFinalizer,
  type Informer,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  removeFinalizer,
  splitKey,
  updateStatus,
} from '@roundhouse/controller';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import type { ProcessSupervisor, TaskRecord } from '@roundhouse/process';
import { type NodeDirectory, unknownNodes } from './nodes.js';
import {
  entryAfter,
  holdsFinalizer,
  type NodeSituation,
  type NodeStep,
  nodeStep,
  type Observation,
  sameStep,
} from './plan.js';
import { distExecs, nodeFinalizer } from './resource.js';
import { withResultsWithin } from './results.js';
import { type DistExecView, distExecView, selects } from './spec.js';
import { forgetNodes, maxWriteAttempts } from './status-writes.js';
import {
  type AttemptRef,
  isTaskFinished,
  type Output,
  observeTask,
  taskLabels,
  taskName,
  taskRequest,
  tasksToStop,
} from './task.js';

export interface AgentReconcilerOptions {
  /** This agent's node (`NODE_NAME`, from the downward API). */
  readonly nodeName: string;
  /** Writes status and finalizers, and reads what the cache must not answer. */
  readonly client: KubeClient;
  /** Told of every write's answer before its watch event arrives (read-your-writes). */
  readonly distExecs: Pick<Informer<KubeObject>, 'get' | 'observe'>;
  readonly nodes: NodeDirectory;
  readonly supervisor: ProcessSupervisor;
  /** Bytes kept of each of stdout and stderr. */
  readonly outputLimitBytes: number;
  /** How often a running command is looked at. */
  readonly pollMs: number;
  readonly now?: (() => Date) | undefined;
}

/**
 * One node's side of every DistExec: run the current generation's command once (with bounded
 * retries) through the process supervisor, write this node's entry, hold this node's
 * finalizer while a command may run, and stop commands whose DistExec went away or changed.
 * It also removes the entries and finalizers of Nodes that no longer exist.
 *
 * Decisions are made from the informer cache, which holds this agent's own writes as soon as
 * they are answered (every agent hears every other agent's status write, so most reconciles are
 * no-ops). Every write is conditional on the resourceVersion it was decided from, so a copy
 * that moved on costs a conflict and a read, never a lost update; a status write applies only
 * if the live object still leads to the same step, and a command starts only once a write's
 * answer (or a read) has shown the very object it was decided from.
 */
export class AgentReconciler implements Reconciler {
  readonly #o: AgentReconcilerOptions;
  readonly #now: () => Date;

  constructor(options: AgentReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace = '', name } = splitKey(key);
    const cached = this.#o.distExecs.get(namespace, name);
    if (cached) {
      const quick = await this.#assess(cached, ctx.signal);
      ctx.logger.debug({ step: quick.step, generation: cached.metadata?.generation }, 'assessed');
      if (quick.idle) return quick.requeue ? { requeueAfter: this.#o.pollMs } : undefined;
      return this.#act(cached, ctx);
    }
    // Absent from the cache is not proof of absence: it may be too new for the cache yet.
    const live = await this.#o.client.get(distExecs, namespace, name, { signal: ctx.signal });
    if (!live) {
      // Gone (its finalizer removed by hand, or it never got one): stop whatever of it runs.
      await this.#stop(tasksToStop(this.#o.supervisor.list(), { namespace, name }));
      return undefined;
    }
    return this.#act(live, ctx);
  }

  /** Whether nothing needs doing for `object` (judged from the cache), and its step. */
  async #assess(object: KubeObject, signal: AbortSignal) {
    const view = distExecView(object);
    const finalizer = hasFinalizer(object, nodeFinalizer(this.#o.nodeName));
    const tasks = this.#tasksOf(view);
    if (view.metadata.deletionTimestamp) {
      return { idle: tasks.length === 0 && !finalizer, requeue: false, step: 'deleting' };
    }
    const known = this.#o.nodes.known();
    if (unknownNodes(view, object.metadata?.finalizers ?? [], known).length > 0) {
      return { idle: false, requeue: false, step: 'prune' };
    }
    const situation = await this.#situation(view, signal, false);
    const step = nodeStep(situation);
    const keep = step.kind === 'wait' ? this.#ref(view, step.attempt) : undefined;
    const settled = step.kind === 'settled' && tasks.length === 0 && !finalizer;
    const waiting = keep !== undefined && finalizer && this.#stale(view, keep).length === 0;
    return { idle: settled || waiting, requeue: waiting, step: step.kind };
  }

  async #act(object: KubeObject, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const view = distExecView(object);
    const request = { signal: ctx.signal };
    const finalizer = nodeFinalizer(this.#o.nodeName);
    if (view.metadata.deletionTimestamp) {
      // Cancel: stop every process of this DistExec, and release the DistExec only once they
      // are gone, so its disappearance means nothing of it runs on this node any more.
      await this.#stop(this.#tasksOf(view));
      if (this.#tasksOf(view, true).length > 0) return { requeueAfter: this.#o.pollMs };
      this.#observe(await removeFinalizer(this.#o.client, distExecs, object, finalizer, request));
      return undefined;
    }
    const current = (await this.#pruneDeadNodes(object, view, ctx.signal)) ?? object;
    const situation = await this.#situation(view, ctx.signal, true);
    const step = nodeStep(situation);
    ctx.logger.info({ step: step.kind, generation: view.generation }, 'acting');
    if (step.kind === 'start') {
      const ref = this.#ref(view, step.attempt);
      // The finalizer first: from here on a deletion waits for this node to stop the command.
      const held = this.#observe(
        await addFinalizer(this.#o.client, distExecs, current, finalizer, request),
      );
      if (!(await this.#confirmed(view, held === current ? null : held, step, ctx.signal))) {
        return undefined;
      }
      await this.#o.supervisor.create(taskRequest(ref, step.spec));
      this.#observe(await this.#write(held, view, step, situation.observation, ctx.signal));
      await this.#stop(this.#stale(view, ref));
      return { requeueAfter: this.#o.pollMs };
    }
    if (step.kind === 'wait') {
      await this.#stop(this.#stale(view, this.#ref(view, step.attempt)));
      this.#observe(await addFinalizer(this.#o.client, distExecs, current, finalizer, request));
      return { requeueAfter: this.#o.pollMs };
    }
    const written = this.#observe(
      await this.#write(current, view, step, situation.observation, ctx.signal),
    );
    if (holdsFinalizer(step)) return undefined;
    await this.#stop(this.#tasksOf(view));
    this.#observe(
      await removeFinalizer(this.#o.client, distExecs, written ?? current, finalizer, request),
    );
    return undefined;
  }

  /**
   * Whether the object as it is now still leads to `step`: `answered` is a write's answer,
   * which shows it; without one (nothing needed writing) it is read. A command decided from a
   * cached copy that missed a spec change or a deletion must not start.
   */
  async #confirmed(
    decided: DistExecView,
    answered: KubeObject | null,
    step: NodeStep,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { namespace, name, uid } = decided.metadata;
    const now =
      answered ??
      this.#observe(await this.#o.client.get<KubeObject>(distExecs, namespace, name, { signal }));
    if (!now || now.metadata?.uid !== uid || now.metadata?.deletionTimestamp) return false;
    return sameStep(step, nodeStep(await this.#situation(distExecView(now), signal, true)));
  }

  /** Caches a write's answer, so the reconcile its own watch event wakes finds nothing to do. */
  #observe<T extends KubeObject | null>(written: T): T {
    if (written) this.#o.distExecs.observe(written);
    return written;
  }

  /** Writes this node's entry after `step`, if the live object still leads to that step. */
  async #write(
    object: KubeObject,
    decided: DistExecView,
    step: NodeStep,
    observation: Observation,
    signal: AbortSignal,
  ): Promise<KubeObject | null> {
    const { nodeName, nodes } = this.#o;
    const ownNode = await nodes.get(nodeName, signal);
    const now = this.#now();
    const { namespace, name } = decided.metadata;
    return updateStatus<KubeObject>(
      this.#o.client,
      distExecs,
      namespace,
      name,
      (current) => {
        const view = distExecView(current);
        const again = nodeStep(this.#situationOf(view, ownNode, observation));
        if (!sameStep(step, again)) return undefined;
        const entry = entryAfter(step, view.generation, view.results[nodeName], now);
        if (entry === null) return undefined;
        return withResultsWithin(
          current,
          { [nodeName]: entry },
          view.generation,
          nodes.selected(view),
        );
      },
      { signal, current: object, maxAttempts: maxWriteAttempts },
    );
  }

  /**
   * Removes what Nodes that no longer exist left on the DistExec: their finalizers (so a
   * deletion does not wait for a node that will never answer) and their entries. Every agent
   * may do this at once; each write is conditional and removing what is absent changes nothing.
   */
  async #pruneDeadNodes(
    object: KubeObject,
    view: DistExecView,
    signal: AbortSignal,
  ): Promise<KubeObject | null | undefined> {
    const finalizers = object.metadata?.finalizers ?? [];
    const candidates = unknownNodes(view, finalizers, this.#o.nodes.known());
    const dead = await this.#o.nodes.missing(candidates, signal);
    if (dead.length === 0) return undefined;
    let current: KubeObject | null = object;
    for (const node of dead) {
      if (!current) return null;
      const finalizer = nodeFinalizer(node);
      current = this.#observe(
        await removeFinalizer(this.#o.client, distExecs, current, finalizer, { signal }),
      );
    }
    if (!current) return null;
    return this.#observe(
      await forgetNodes(this.#o.client, current, dead, (v) => this.#o.nodes.selected(v), signal),
    );
  }

  /** This node's situation for `view`; `withOutput` reads a finished attempt's output. */
  async #situation(
    view: DistExecView,
    signal: AbortSignal,
    withOutput: boolean,
  ): Promise<NodeSituation> {
    const ownNode = await this.#o.nodes.get(this.#o.nodeName, signal);
    const entry = view.results[this.#o.nodeName];
    let observation: Observation = { kind: 'none' };
    if (entry?.phase === 'Running' && entry.observedGeneration === view.generation) {
      const task = this.#o.supervisor.get(taskName(this.#ref(view, entry.attempts)));
      const output =
        withOutput && task && isTaskFinished(task) ? await this.#output(task) : undefined;
      observation = observeTask(task, output);
    }
    return this.#situationOf(view, ownNode, observation);
  }

  #situationOf(
    view: DistExecView,
    ownNode: KubeObject | null,
    observation: Observation,
  ): NodeSituation {
    const selector = view.spec.valid ? view.spec.value.nodeSelector : undefined;
    return {
      generation: view.generation,
      spec: view.spec,
      selected:
        ownNode !== null &&
        !ownNode.metadata?.deletionTimestamp &&
        selects(selector, ownNode.metadata?.labels),
      entry: view.results[this.#o.nodeName],
      observation,
      maxAttempts: (view.spec.valid ? (view.spec.value.retries ?? 0) : 0) + 1,
    };
  }

  async #output(task: TaskRecord): Promise<Output | undefined> {
    const { supervisor, outputLimitBytes } = this.#o;
    const stdout = await supervisor.logs(task.name, 'stdout', outputLimitBytes);
    const stderr = await supervisor.logs(task.name, 'stderr', outputLimitBytes);
    return stdout && stderr ? { stdout, stderr } : undefined;
  }

  #ref(view: DistExecView, attempt: number): AttemptRef {
    const { namespace, name, uid = '' } = view.metadata;
    return { namespace, name, uid, generation: view.generation, attempt };
  }

  /** Tasks of this DistExec (this incarnation); with `all`, also those being deleted. */
  #tasksOf(view: DistExecView, all = false): TaskRecord[] {
    const target = { ...view.metadata, uid: view.metadata.uid ?? '' };
    if (!all) return tasksToStop(this.#o.supervisor.list(), target);
    return this.#o.supervisor.list().filter((t) => t.labels?.[taskLabels.uid] === target.uid);
  }

  /** Tasks of this DistExec other than the attempt `keep`. */
  #stale(view: DistExecView, keep: AttemptRef): TaskRecord[] {
    return tasksToStop(this.#o.supervisor.list(), { ...view.metadata }, keep);
  }

  async #stop(tasks: readonly TaskRecord[]): Promise<void> {
    await Promise.all(tasks.map((t) => this.#o.supervisor.delete(t.name, { uid: t.uid })));
  }
}
