import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

/** The fields of a built Event the correlator tells Events apart by. */
const CorrelatedFieldsSchema = z.looseObject({
  metadata: z.looseObject({ namespace: z.string() }),
  involvedObject: z.looseObject({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    uid: z.string().optional(),
  }),
  type: z.string(),
  reason: z.string(),
  message: z.string(),
});

/** Objects and Events remembered, as client-go's EventCorrelator: the least recently used go. */
const cacheEntries = 4_096;
/** Distinct messages of one reason about one object within the interval at which they combine. */
const aggregateMaxMessages = 10;
const aggregateIntervalMs = 600_000;
/** Writes about one object and type in a burst, then one for every 5 minutes. */
const spamBurst = 25;
const spamRefillMs = 300_000;

/** What to send for an Event, once correlated with the ones recorded before it. */
export type Correlation =
  /** Nothing: too many Events about this object lately; counted, and sent with a later one. */
  | { readonly send: 'nothing' }
  /** Nothing yet: the same Event is being created; its count goes out with a later one. */
  | { readonly send: 'counted' }
  /** A new Event, `count` times seen (more than once when earlier ones were not sent). */
  | {
      readonly send: 'create';
      readonly key: string;
      readonly count: number;
      readonly message: string;
    }
  /** A count, time and message for the Event created for the same one before. */
  | {
      readonly send: 'update';
      readonly key: string;
      readonly name: string;
      readonly count: number;
      readonly message: string;
    };

interface Observation {
  count: number;
  /** The Event created for it; undefined until its create is answered. */
  name: string | undefined;
  creating: boolean;
}

interface Aggregate {
  readonly messages: Set<string>;
  lastMs: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

/**
 * Turns repeats of an Event into one Event with a count, as client-go's EventCorrelator does
 * (tools/record/events_cache.go): the same Event about the same object again updates the count,
 * lastTimestamp and message of the first; from an object's tenth distinct message of one reason
 * within 10 minutes on, new messages go into one "(combined from similar events)" Event;
 * and after 25 writes about one object and type, one more is sent every 5 minutes, carrying the
 * count of everything recorded meanwhile. Without it a controller that records an Event on every
 * failed reconcile writes an Event object on each.
 */
export class EventCorrelator {
  readonly #observations = new Lru<Observation>();
  readonly #aggregates = new Lru<Aggregate>();
  readonly #buckets = new Lru<Bucket>();

  /** What to send for `event` (as buildEvent made it), recorded at `nowMs` on a monotonic clock. */
  correlate(event: KubeObject, nowMs: number): Correlation {
    const fields = CorrelatedFieldsSchema.parse(event);
    const { apiVersion, kind, namespace, name, uid } = fields.involvedObject;
    const object = [fields.metadata.namespace, apiVersion, kind, namespace, name, uid];
    const aggregateKey = JSON.stringify([...object, fields.type, fields.reason]);
    const combined = this.#aggregate(aggregateKey, fields.message, nowMs);
    const key = combined
      ? aggregateKey
      : JSON.stringify([...object, fields.type, fields.reason, fields.message]);
    const message = combined ? `(combined from similar events): ${fields.message}` : fields.message;
    const seen = this.#observations.get(key) ?? { count: 0, name: undefined, creating: false };
    seen.count += 1;
    this.#observations.set(key, seen);
    if (!this.#accept(JSON.stringify([...object, fields.type]), nowMs)) return { send: 'nothing' };
    if (seen.name !== undefined)
      return { send: 'update', key, name: seen.name, count: seen.count, message };
    if (seen.creating) return { send: 'counted' };
    seen.creating = true;
    return { send: 'create', key, count: seen.count, message };
  }

  /** The Event the server created or updated for `key`: later repeats update it. */
  recorded(key: string, name: string | undefined): void {
    const seen = this.#observations.get(key);
    if (!seen) return;
    seen.creating = false;
    if (name !== undefined) seen.name = name;
  }

  /** The create for `key` failed, or its Event is gone: the next repeat creates one again. */
  lost(key: string): void {
    const seen = this.#observations.get(key);
    if (!seen) return;
    seen.creating = false;
    seen.name = undefined;
  }

  /** Whether the message is one too many distinct ones for its reason, and is combined. */
  #aggregate(key: string, message: string, nowMs: number): boolean {
    let aggregate = this.#aggregates.get(key);
    if (!aggregate || nowMs - aggregate.lastMs > aggregateIntervalMs) {
      aggregate = { messages: new Set(), lastMs: nowMs };
    }
    aggregate.messages.add(message);
    aggregate.lastMs = nowMs;
    this.#aggregates.set(key, aggregate);
    if (aggregate.messages.size < aggregateMaxMessages) return false;
    // As client-go: one message forgotten, so every new one combines while a recent one repeats
    // as itself, and the set stays small.
    const oldest = aggregate.messages.values().next();
    if (!oldest.done) aggregate.messages.delete(oldest.value);
    return true;
  }

  /** A token bucket per object and type, full at first. */
  #accept(key: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: spamBurst, lastMs: nowMs };
    bucket.tokens = Math.min(spamBurst, bucket.tokens + (nowMs - bucket.lastMs) / spamRefillMs);
    bucket.lastMs = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** A map that forgets its least recently used entry beyond `cacheEntries`. */
class Lru<V> {
  readonly #entries = new Map<string, V>();

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > cacheEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}
