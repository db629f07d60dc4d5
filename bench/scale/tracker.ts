import { executionOwnerKey, roundhouseConventions } from '@roundhouse/core';
import {
  type KubeClient,
  type KubeObject,
  type ResourceType,
  resources,
  type WatchEvent,
} from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';

type Condition = { type?: string; status?: string };
type Execution = KubeObject & { status?: { phase?: string; conditions?: Condition[] } };
type Job = KubeObject & { status?: { conditions?: Condition[] } };

const isTrue = (conditions: Condition[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

export interface TrackerOptions {
  /** Called once per execution when its Job finishes. */
  readonly onJobFinished?: (execution: string) => void;
  /** The execution whose Job is kept in `sampledJob`. */
  readonly sample?: string;
}

/** Watches restart after the server closes them; more than this many means something is wrong. */
const maxWatchRestarts = 50;

/**
 * When the bench's own watches first saw each WorkflowExecution Running, Completed (or Failed)
 * and LockReleased, and each execution's Job finished, in epoch milliseconds of this process's
 * clock. Every controller is measured with this same instrument, never with its own logs.
 */
export class Tracker {
  readonly running = new Map<string, number>();
  readonly completed = new Map<string, number>();
  readonly failed = new Set<string>();
  readonly released = new Map<string, number>();
  /** By the name of the execution that owns the Job (its owner label). */
  readonly jobFinished = new Map<string, number>();
  /**
   * The Job of the execution named `sample`, as first seen: taken from the watch because a
   * short cooldown can delete it before the last execution is Completed.
   */
  sampledJob: KubeObject | undefined;
  readonly #abort = new AbortController();
  readonly #watches: Promise<void>[] = [];

  private constructor(private readonly options: TrackerOptions) {}

  /** Starts watching both namespaces; events from the moment this resolves are seen. */
  static async start(
    client: KubeClient,
    namespaces: { watch: string; execution: string },
    options: TrackerOptions = {},
  ): Promise<Tracker> {
    const tracker = new Tracker(options);
    const executions = await tracker.#watch<Execution>(
      client,
      workflowExecutions,
      namespaces.watch,
      (e) => tracker.#execution(e),
    );
    const jobs = await tracker.#watch<Job>(client, resources.jobs, namespaces.execution, (e) =>
      tracker.#job(e),
    );
    tracker.#watches.push(executions.done, jobs.done);
    return tracker;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#watches);
  }

  #execution({ object }: WatchEvent<Execution>): void {
    const name = object.metadata?.name;
    if (!name) return;
    const now = Date.now();
    const phase = object.status?.phase;
    if (phase === 'Running' && !this.running.has(name)) this.running.set(name, now);
    if ((phase === 'Completed' || phase === 'Failed') && !this.completed.has(name)) {
      this.completed.set(name, now);
      if (phase === 'Failed') this.failed.add(name);
    }
    if (isTrue(object.status?.conditions, 'LockReleased') && !this.released.has(name))
      this.released.set(name, now);
  }

  #job({ object }: WatchEvent<Job>): void {
    const owner = executionOwnerKey(object.metadata ?? {}, roundhouseConventions);
    const name = owner?.split('/')[1];
    const conditions = object.status?.conditions;
    if (name !== undefined && name === this.options.sample) this.sampledJob ??= object;
    if (!name || this.jobFinished.has(name)) return;
    if (isTrue(conditions, 'Complete') || isTrue(conditions, 'Failed')) {
      this.jobFinished.set(name, Date.now());
      this.options.onJobFinished?.(name);
    }
  }

  /**
   * Lists to get a starting point, then watches from it until stopped, resuming after closes.
   * Resolves once listed, with the watch's own end in `done` (a promise returned bare would be
   * awaited to the end).
   */
  async #watch<T extends KubeObject>(
    client: KubeClient,
    type: ResourceType,
    namespace: string,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<{ done: Promise<void> }> {
    const listed = await client.list<T>(type, namespace);
    for (const object of listed.items) onEvent({ type: 'ADDED', object });
    let resourceVersion = listed.resourceVersion;
    const signal = this.#abort.signal;
    const done = (async () => {
      for (let restart = 0; restart < maxWatchRestarts && !signal.aborted; restart++) {
        const outcome = await client.watch<T>(
          type,
          namespace,
          (event) => {
            resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
            if (event.type !== 'BOOKMARK') onEvent(event);
          },
          { resourceVersion, signal, stallTimeoutMs: 300_000 },
        );
        if (outcome.end === 'stopped') return;
        if (outcome.end === 'failed') throw outcome.error;
      }
      if (!signal.aborted) throw new Error(`watch ${type.plural} ${namespace} restarted too often`);
    })();
    return { done };
  }
}
