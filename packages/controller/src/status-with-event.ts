import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { isKubernetesError } from '@roundhouse/kube';
import type { EventSink } from './event-sink.js';
import { writeStatus } from './status-write.js';

/** A status change and the event that reports it. */
export interface StatusTransition<E> {
  readonly status: unknown;
  readonly event: E;
}

export interface RecordThenUpdateStatusOptions {
  readonly signal?: AbortSignal;
  /** Writes tried before a persistent conflict is thrown. Default 5. */
  readonly maxAttempts?: number;
}

/**
 * Writes a status change only after the event that reports it is durable: it reads the object,
 * asks `transition` (pure: current object in, new status and its event out, or undefined to
 * leave it) and, when the status would change, awaits `sink.record(event)` and then writes
 * the status conditionally on the resourceVersion it read, as `updateStatus` does (a merge
 * patch of what changed; a replace for a status holding a `null`). If the sink fails, the error is
 * thrown and the status stays as it was, so the reconcile retries and records again; an
 * unchanged status records nothing and writes nothing.
 *
 * The object is read from the API server, not a cache: a transition computed from a copy that
 * lags would report an event that never becomes the status. On a conflict it reads again and
 * recomputes; a transition that comes out the same gives the same event, which a
 * deduplicating sink keeps once. Returns the object as written (or as read, when nothing
 * changed), or `null` when it does not exist.
 */
export async function recordThenUpdateStatus<T extends KubeObject, E>(
  client: Pick<KubeClient, 'get' | 'patch' | 'replace'>,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  transition: (current: T) => StatusTransition<E> | undefined,
  sink: EventSink<E>,
  options: RecordThenUpdateStatusOptions = {},
): Promise<T | null> {
  const request = options.signal ? { signal: options.signal } : {};
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt += 1) {
    const current = await client.get<T>(type, namespace, name, request);
    if (!current) return null;
    const next = transition(structuredClone(current));
    if (next === undefined) return current;
    // Compare what would go over the wire: properties set to undefined are not sent.
    const status: unknown = JSON.parse(JSON.stringify(next.status));
    if (isDeepStrictEqual(status, current.status)) return current;
    await sink.record(next.event, request);
    try {
      return await writeStatus(client, type, namespace, name, current, status, request);
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') && attempt < maxAttempts) continue;
      if (isKubernetesError(error, 'NotFound')) {
        if (!(await client.get<T>(type, namespace, name, request))) return null;
      }
      throw error;
    }
  }
}
