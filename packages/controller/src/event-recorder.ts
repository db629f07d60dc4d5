import { hostname } from 'node:os';
import { formatKubeTime, type Logger, noopLogger } from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeError } from './describe-error.js';

export type EventKind = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  readonly logger?: Logger;
  /** `reportingInstance` of the events; default the host name (the pod name in a pod). */
  readonly instance?: string;
}

/** Longest message kept; events.k8s.io caps its note at 1 kB and kubectl shows no more. */
const maxMessageLength = 1024;

/**
 * Records core/v1 Events about objects, the ones `kubectl describe` shows. Recording is best
 * effort: a failure is logged and never fails the reconcile that records it.
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

  async record(obj: KubeObject, type: EventKind, reason: string, message: string): Promise<void> {
    const event = buildEvent(obj, {
      type,
      reason,
      message,
      component: this.#component,
      instance: this.#instance,
      now: new Date(),
    });
    try {
      await this.#client.create(resources.events, event.metadata.namespace, event);
    } catch (error) {
      this.#logger.warn(
        { ...describeError(error), object: obj.metadata?.name, eventReason: reason },
        'could not record event',
      );
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
}

/**
 * The Event for `obj`. It lives in the object's namespace (`default` for a cluster-scoped
 * object) and is named by the server from the object's name, so events never collide.
 */
export function buildEvent(
  obj: KubeObject,
  fields: EventFields,
): KubeObject & { metadata: { namespace: string } } {
  const namespace = obj.metadata?.namespace || 'default';
  const time = formatKubeTime(fields.now);
  return {
    metadata: { generateName: `${(obj.metadata?.name ?? 'object').slice(0, 200)}.`, namespace },
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
