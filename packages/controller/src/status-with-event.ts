import type { KubeClient, KubeObject, ResourceOf } from '@roundhouse/kube';
import type { EventSink } from './event-sink.js';
import type { UpdateStatusOptions } from './status.js';
import { writeStatusConditionally } from './status-write.js';

/** A status change and the event that reports it. */
export interface StatusTransition<E> {
  readonly status: unknown;
  readonly event: E;
}

/**
 * `updateStatus`'s options; `current` and `uid` matter more here, since the event is recorded
 * before the write that could show a copy stale or a name taken by another object.
 */
export interface RecordThenUpdateStatusOptions<T extends KubeObject = KubeObject>
  extends UpdateStatusOptions<T> {
  /**
   * The object as the caller has it, computed from instead of a first read; the write stays
   * conditional on its resourceVersion, so a copy that lags costs a conflict and a fresh read.
   * Its event, though, is recorded before that conflict shows the lag: pass it only when the
   * caller is the status's one writer and the copy holds every write of its that was answered
   * (a cache the caller observes its writes into), not after a write that went unanswered.
   */
  readonly current?: T | undefined;
  /**
   * Records and writes only for the object with this uid (default `current`'s, else that of the
   * first object read, so a retry after a conflict stays on it), as `updateStatus` does: one
   * created under the same name after it was deleted reads as gone, and `null` is returned with
   * nothing recorded. A transition decided about one object must not land on its successor.
   */
  readonly uid?: string | undefined;
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
 * The object is read from the API server, not a cache (unless `current` is given, see there): a
 * transition computed from a copy that lags would report an event that never becomes the
 * status. On a conflict it reads again and
 * recomputes; a transition that comes out the same gives the same event, which a
 * deduplicating sink keeps once. Returns the object as written (or as read, when nothing
 * changed), or `null` when it does not exist (or another object has taken its name, see `uid`).
 */
export async function recordThenUpdateStatus<T extends KubeObject, E>(
  client: Pick<KubeClient, 'get' | 'patch' | 'replace'>,
  type: ResourceOf<T>,
  namespace: string | undefined,
  name: string,
  transition: (current: T) => StatusTransition<E> | undefined,
  sink: EventSink<E>,
  options: RecordThenUpdateStatusOptions<T> = {},
): Promise<T | null> {
  return writeStatusConditionally(
    client,
    type,
    namespace,
    name,
    (current: T) => {
      const next = transition(current);
      if (next === undefined) return undefined;
      return { status: next.status, beforeWrite: (request) => sink.record(next.event, request) };
    },
    options,
  );
}
