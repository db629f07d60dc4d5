import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '@roundhouse/core';
import { z } from 'zod';
import type { KubeClient, KubeObject } from './kube-client.js';
import { isKubernetesError } from './kubernetes-errors.js';
import { resources } from './resources.js';

/** Where an execution's output lives: the pods its resource created, and which containers. */
export interface LogSources {
  /** Selects the execution resource's pods in the execution namespace. */
  readonly labelSelector: string;
  /** Containers to read, in this order; every container of each pod when unset. */
  readonly containers?: readonly string[] | undefined;
}

const ContainerStateSchema = z.looseObject({
  running: z.looseObject({}).optional(),
  terminated: z.looseObject({}).optional(),
});

const ContainerStatusesSchema = z
  .array(
    z.looseObject({
      name: z.string(),
      state: ContainerStateSchema.optional(),
      lastState: ContainerStateSchema.optional(),
    }),
  )
  .optional();

const ContainersSchema = z.array(z.looseObject({ name: z.string() }));

const PodSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), creationTimestamp: z.string().optional() }),
  spec: z.looseObject({
    initContainers: ContainersSchema.optional(),
    containers: ContainersSchema,
  }),
  status: z
    .looseObject({
      initContainerStatuses: ContainerStatusesSchema,
      containerStatuses: ContainerStatusesSchema,
    })
    .optional(),
});

export interface ContainerRef {
  readonly pod: string;
  readonly container: string;
}

/**
 * The containers that have output to read, oldest pod first and in `sources` (else pod spec)
 * order: init containers first, as the kubelet runs them. A container that never started has
 * no log yet: the API server refuses to read it.
 */
export function startedContainers(
  pods: readonly KubeObject[],
  sources: LogSources,
): ContainerRef[] {
  const parsed = pods
    .map((p) => PodSchema.parse(p))
    .sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  return parsed.flatMap((pod) => {
    const names =
      sources.containers ??
      [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
    // Container names are unique across a pod's init and main containers.
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    return names
      .filter((name) => {
        const status = statuses.find((s) => s.name === name);
        const ran = (s?: z.infer<typeof ContainerStateSchema>) =>
          s?.running !== undefined || s?.terminated !== undefined;
        return ran(status?.state) || ran(status?.lastState);
      })
      .map((container) => ({ pod: pod.metadata.name, container }));
  });
}

export interface ExecutionLogOptions extends LogOptions {
  /** Whether the execution resource finished or is gone, so no container will start any more. */
  readonly finished: (signal: AbortSignal | undefined) => Promise<boolean>;
  /** How often a followed execution is checked for containers that started; default 2 s. */
  readonly pollIntervalMs?: number | undefined;
}

/**
 * The output of an execution's pods. Without `follow`, each started container's log in turn.
 * With it, every container's stream at once, merged as lines arrive, picking up containers
 * that start later (the next TaskRun's pod), until the resource has finished and every stream
 * ended. A pod deleted while it is read ends its stream; the signal ends the iteration. Each
 * stream is `KubeClient.logs` following, so one that stalls or breaks off is re-opened from its
 * last line without repeating a line (the client's `logFollow`); one that cannot be kept going
 * fails the iteration with `LogFollowError`.
 */
export async function* executionLogs(
  client: KubeClient,
  namespace: string,
  sources: LogSources,
  options: ExecutionLogOptions,
): AsyncGenerator<LogLine> {
  const { signal, tailLines } = options;
  if (!options.follow) {
    for (const ref of startedContainers(
      await podsOf(client, namespace, sources, signal),
      sources,
    )) {
      const lines = client.logs(namespace, ref.pod, {
        container: ref.container,
        tailLines,
        signal,
      });
      for await (const text of readable(lines)) yield { source: sourceOf(ref), text };
    }
    return;
  }
  const stop = new AbortController();
  const stopAll = () => stop.abort();
  signal?.addEventListener('abort', stopAll, { once: true });
  const channel = new Channel<LogLine>();
  const streams: Promise<void>[] = [];
  const seen = new Set<string>();
  const discover = async () => {
    for (;;) {
      // Asked before listing: the pods listed after the resource finished are all there will be.
      const done = await options.finished(stop.signal);
      const pods = await podsOf(client, namespace, sources, stop.signal);
      for (const ref of startedContainers(pods, sources)) {
        const source = sourceOf(ref);
        if (seen.has(source)) continue;
        seen.add(source);
        streams.push(
          (async () => {
            const lines = client.logs(namespace, ref.pod, {
              container: ref.container,
              follow: true,
              tailLines,
              signal: stop.signal,
            });
            for await (const text of readable(lines)) channel.push({ source, text });
          })(),
        );
      }
      if (done) break;
      try {
        await sleep(options.pollIntervalMs ?? 2_000, undefined, { signal: stop.signal });
      } catch {
        break;
      }
    }
    await Promise.all(streams);
  };
  discover().then(
    () => channel.close(),
    (error: unknown) => (stop.signal.aborted ? channel.close() : channel.fail(error)),
  );
  try {
    yield* channel;
  } finally {
    signal?.removeEventListener('abort', stopAll);
    stop.abort();
  }
}

async function podsOf(
  client: KubeClient,
  namespace: string,
  sources: LogSources,
  signal: AbortSignal | undefined,
): Promise<KubeObject[]> {
  const { items } = await client.list<KubeObject>(resources.pods, namespace, {
    labelSelector: sources.labelSelector,
    signal,
  });
  return items;
}

/** The lines of a container's log; a pod deleted meanwhile (TTL, cleanup) simply ends it. */
async function* readable(lines: AsyncIterable<string>): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (error) {
    if (!isKubernetesError(error, 'NotFound')) throw error;
  }
}

const sourceOf = (ref: ContainerRef) => `${ref.pod}/${ref.container}`;

/**
 * Lines from several streams, in the order they arrive. Unbounded: a container's output is
 * paced by the container, and the reader prints as fast as it receives.
 */
class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #ended: { error?: unknown } | undefined;
  #wake: (() => void) | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#notify();
  }

  close(): void {
    this.#ended ??= {};
    this.#notify();
  }

  fail(error: unknown): void {
    this.#ended ??= { error };
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#ended) {
        if ('error' in this.#ended) throw this.#ended.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
