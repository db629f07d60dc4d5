import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { formatKubeTime, type Logger, noopLogger } from '@roundhouse/core';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { resources } from '@roundhouse/kube';
import { delay } from './delay.js';
import { describeError } from './describe-error.js';
import { eventRetry } from './event-retry.js';

export type EventKind = 'Normal' | 'Warning';

/**
 * What `record` did: `created` the Event; found it `exists` already (a keyed Event an earlier
 * call recorded: the API server refused the second copy); or `failed` to record it, logged.
 */
export type RecordOutcome = 'created' | 'exists' | 'failed';

export interface EventRecorderOptions {
  readonly logger?: Logger | undefined;
  /** `reportingInstance` of the events; default the host name (the pod name in a pod). */
  readonly instance?: string | undefined;
}

/** Longest message kept; events.k8s.io caps its note at 1 kB and kubectl shows no more. */
const maxMessageLength = 1024;

export interface EventRecordOptions {
  /**
   * Makes the event one of a kind for this object: recorded again under the same key (by a
   * reconcile retried after a crash, or by a replica that resumed from a pause), it is not
   * created a second time, and `record` says it `exists`. Without it every call creates an
   * Event.
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
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #component: string;
  readonly #instance: string;
  readonly #logger: Logger;

  constructor(client: KubeClient, component: string, options: EventRecorderOptions = {}) {
    this.#client = client;
    this.#component = component;
    this.#instance = options.instance ?? hostname();
    this.#logger = options.logger ?? noopLogger;
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
    const request = options.signal ? { signal: options.signal } : {};
    const named = event.metadata.name !== undefined;
    for (let retries = 0; ; retries += 1) {
      try {
        await this.#client.create(resources.events, event.metadata.namespace, event, request);
        return 'created';
      } catch (error) {
        const next = eventRetry(error, named, retries);
        if (next.action === 'exists') return 'exists';
        if (next.action === 'retry') {
          // Cut short by an abort, the next create is refused without a request and logged.
          if (next.afterMs > 0) await delay(next.afterMs, options.signal);
          continue;
        }
        this.#logger.warn(
          { ...describeError(error), object: obj.metadata?.name, eventReason: reason },
          'could not record event',
        );
        return 'failed';
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
