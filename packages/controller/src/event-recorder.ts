import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { formatKubeTime, type Logger, noopLogger } from '@roundhouse/core';
import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { type Clock, systemClock } from './clock.js';
import { delay } from './delay.js';
import { describeError } from './describe-error.js';
import { EventCorrelator } from './event-correlator.js';
import { eventRetry } from './event-retry.js';

export type EventKind = 'Normal' | 'Warning';

/**
 * What `record` did: `created` the Event; found it `exists` already (a keyed Event an earlier
 * call recorded: the API server refused the second copy); `counted` it as a repeat of an Event
 * recorded before (its count went up, or, while the first is still being created, goes up with
 * the next repeat written); `skipped` it, as one of too many about the object lately (counted,
 * and written with a later repeat, if any); or `failed` to record it, logged.
 */
export type RecordOutcome = 'created' | 'exists' | 'counted' | 'skipped' | 'failed';

export interface EventRecorderOptions {
  readonly logger?: Logger | undefined;
  /** `reportingInstance` of the events; default the host name (the pod name in a pod). */
  readonly instance?: string | undefined;
  /** Times the repeats of an Event for their aggregation and spam limit; default the system's. */
  readonly clock?: Clock | undefined;
}

/** Longest message kept; events.k8s.io caps its note at 1 kB and kubectl shows no more. */
const maxMessageLength = 1024;

export interface EventRecordOptions {
  /**
   * Makes the event one of a kind for this object: recorded again under the same key (by a
   * reconcile retried after a crash, or by a replica that resumed from a pause), it is not
   * created a second time, and `record` says it `exists`. Without it a repeat of an Event (the
   * same type, reason and message about the same object) counts in the first, as in client-go.
   */
  readonly key?: string | undefined;
  /**
   * Cancels the request and the retries of a keyed Event, which could otherwise keep a
   * reconcile (and a shutdown waiting for it) busy for minutes: pass the reconcile's signal.
   * A cancelled Event is not recorded, and logged like any other failure.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Records core/v1 Events about objects, the ones `kubectl describe` shows. Recording is best
 * effort: a failure is logged, never thrown, and never fails the reconcile that records it;
 * `record` resolves to what it did (RecordOutcome). A keyed Event is tried twice more after a
 * failure that may pass (429, 5xx, a timeout), 1.2 s of pauses in all on top of the requests;
 * an unkeyed one, named by the API server, is sent twice more at once when the name the server
 * drew was taken (409 AlreadyExists), and never after another failure. `signal` cuts both short.
 *
 * Unkeyed Events are correlated as client-go's recorder does (EventCorrelator): a repeat updates
 * the count, lastTimestamp and message of the first; from the tenth distinct message of one
 * reason about one object within 10 minutes, new ones combine into one Event; and after 25
 * writes about one object and type, one more goes out every 5 minutes, carrying the count.
 * Keyed Events are left alone: their name already makes each one of a kind.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #instance: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #correlator = new EventCorrelator();

  constructor(client: KubeClient, component: string, options: EventRecorderOptions = {}) {
    this.#client = client;
    this.#component = component;
    this.#instance = options.instance ?? hostname();
    this.#logger = options.logger ?? noopLogger;
    this.#clock = options.clock ?? systemClock;
  }

  async record(
    obj: KubeObject,
    type: EventKind,
    reason: string,
    message: string,
    options: EventRecordOptions = {},
  ): Promise<RecordOutcome> {
    const event = buildEvent(obj, {
      type,
      reason,
      message,
      component: this.#component,
      instance: this.#instance,
      now: new Date(),
      ...(options.key !== undefined ? { key: options.key } : {}),
    });
    const failed = (error: unknown): RecordOutcome => {
      this.#logger.warn(
        { ...describeError(error), object: obj.metadata?.name, eventReason: reason },
        'could not record event',
      );
      return 'failed';
    };
    // A keyed Event is one of a kind by its name already, and is never held back.
    if (options.key !== undefined) {
      const created = await this.#create(event, options.signal);
      return created.outcome === 'failed' ? failed(created.error) : created.outcome;
    }
    const correlation = this.#correlator.correlate(event, this.#clock.now());
    if (correlation.send === 'nothing') return 'skipped';
    if (correlation.send === 'counted') return 'counted';
    const { key, count } = correlation;
    const seen = { count, message: correlation.message.slice(0, maxMessageLength) };
    if (correlation.send === 'update') {
      try {
        await this.#client.patch(
          resources.events,
          event.metadata.namespace,
          correlation.name,
          { ...seen, lastTimestamp: event.lastTimestamp },
          options.signal ? { signal: options.signal } : {},
        );
        return 'counted';
      } catch (error) {
        // Events expire (an hour by default): the count goes on in a new one.
        if (!isKubernetesError(error, 'NotFound')) return failed(error);
        this.#correlator.lost(key);
      }
    }
    const created = await this.#create({ ...event, ...seen }, options.signal);
    if (created.outcome !== 'created') {
      this.#correlator.lost(key);
      return created.outcome === 'failed' ? failed(created.error) : created.outcome;
    }
    this.#correlator.recorded(key, created.name);
    return 'created';
  }

  /** Creates `event`, sent again as eventRetry says. */
  async #create(
    event: ReturnType<typeof buildEvent>,
    signal: AbortSignal | undefined,
  ): Promise<
    | { readonly outcome: 'created'; readonly name: string | undefined }
    | { readonly outcome: 'exists' }
    | { readonly outcome: 'failed'; readonly error: unknown }
  > {
    const request = signal ? { signal } : {};
    const named = event.metadata.name !== undefined;
    for (let retries = 0; ; retries += 1) {
      try {
        const { object } = await this.#client.create(
          resources.events,
          event.metadata.namespace,
          event,
          request,
        );
        return { outcome: 'created', name: object?.metadata?.name };
      } catch (error) {
        const next = eventRetry(error, named, retries);
        if (next.action === 'exists') return { outcome: 'exists' };
        if (next.action === 'give-up') return { outcome: 'failed', error };
        // Cut short by an abort, the next create is refused without a request and logged.
        if (next.afterMs > 0) await delay(next.afterMs, signal);
      }
    }
  }
}

export interface EventFields {
  readonly type: EventKind;
  readonly reason: string;
  readonly message: string;
  readonly component: string;
  readonly instance: string;
  readonly now: Date;
  /** See EventRecordOptions.key: the Event is then named for the object's uid and this key. */
  readonly key?: string | undefined;
}

/**
 * The Event for `obj`. It lives in the object's namespace (`default` for a cluster-scoped
 * object) and is named by the server from the object's name, so events never collide; with a
 * key, it is named `<object>.<16 hex of sha256(uid/key)>` instead, so the same event of the same
 * object always has the same name and a second create of it is refused.
 */
export function buildEvent(
  obj: KubeObject,
  fields: EventFields,
): KubeObject & { metadata: { namespace: string } } {
  const namespace = obj.metadata?.namespace || 'default';
  const time = formatKubeTime(fields.now);
  const prefix = `${(obj.metadata?.name ?? 'object').slice(0, 200)}.`;
  const uid = obj.metadata?.uid;
  const name =
    fields.key !== undefined && uid
      ? {
          name: `${prefix}${createHash('sha256').update(`${uid}/${fields.key}`).digest('hex').slice(0, 16)}`,
        }
      : { generateName: prefix };
  return {
    metadata: { ...name, namespace },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
    },
    type: fields.type,
    reason: fields.reason,
    message: fields.message.slice(0, maxMessageLength),
    source: { component: fields.component },
    reportingComponent: fields.component,
    reportingInstance: fields.instance.slice(0, 128),
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}
