import { AbortedError, RoundhouseError, throwIfAborted } from '@roundhouse/core';
import { type Clock, systemClock } from './clock.js';

/**
 * Where progress events go: an events service, a file, a queue. `record` resolves only once the
 * event is durable, so a controller that awaits it before writing a status never shows a state
 * the event record does not have ("event before status"). A sink that fails rejects, and the
 * caller leaves the status alone and retries: delivery is at least once, so a sink (or the
 * service behind it) deduplicates by the event's own identity.
 */
export interface EventSink<E> {
  record(event: E, options?: { readonly signal?: AbortSignal | undefined }): Promise<void>;
}

/** Writes a batch of events durably in one go: one request, one file append. */
export interface EventBatchWriter<E> {
  write(events: readonly E[]): Promise<void>;
}

export interface BatchingEventSinkOptions {
  /** A batch is written as soon as it has this many events. Default 100. */
  readonly maxBatchSize?: number | undefined;
  /** ... or when its first event has waited this long. Default 25 ms. */
  readonly maxDelayMs?: number | undefined;
  readonly clock?: Clock | undefined;
}

interface Pending<E> {
  readonly event: E;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** `record` after `close`. */
export class EventSinkClosedError extends RoundhouseError {
  readonly reason = 'EventSinkClosed';

  constructor() {
    super('the event sink is closed');
  }
}

/**
 * An EventSink that collects concurrent records into batches for an `EventBatchWriter`, cut
 * at `maxBatchSize` events or `maxDelayMs` after the first, whichever comes first. Every
 * caller still waits for its own batch to be written, and a failed write rejects every record
 * in it, so batching changes the cost and never the guarantee.
 */
export class BatchingEventSink<E> implements EventSink<E> {
  readonly #writer: EventBatchWriter<E>;
  readonly #maxBatchSize: number;
  readonly #maxDelayMs: number;
  readonly #clock: Clock;
  readonly #writing = new Set<Promise<void>>();
  #pending: Pending<E>[] = [];
  #cancelTimer: (() => void) | undefined;
  #closed = false;

  constructor(writer: EventBatchWriter<E>, options: BatchingEventSinkOptions = {}) {
    this.#writer = writer;
    this.#maxBatchSize = Math.max(1, options.maxBatchSize ?? 100);
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 25);
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Resolves once the batch holding `event` is written. When `signal` aborts first, rejects at
   * once with AbortedError, so a reconcile told to stop does not hang on a stalled writer: an
   * event whose batch was not cut yet is dropped, one already being written may still become
   * durable (delivery is at least once either way, and the caller writes no status).
   */
  record(event: E, options: { readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal, 'record an event');
    if (this.#closed) return Promise.reject(new EventSinkClosedError());
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#pending = this.#pending.filter((p) => p !== pending);
        reject(new AbortedError('record an event', { cause: signal?.reason }));
      };
      const pending: Pending<E> = {
        event,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.push(pending);
      if (this.#pending.length >= this.#maxBatchSize) this.#cut();
      else this.#cancelTimer ??= this.#clock.setTimer(() => this.#cut(), this.#maxDelayMs);
    });
  }

  /** Writes what is pending now; resolves once every batch cut so far has been written or failed. */
  async flush(): Promise<void> {
    this.#cut();
    await Promise.all(this.#writing);
  }

  /** Refuses further records and flushes what was recorded. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #cut(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const written = Promise.resolve()
      .then(() => this.#writer.write(batch.map((p) => p.event)))
      .then(
        () => {
          for (const p of batch) p.resolve();
        },
        (error: unknown) => {
          for (const p of batch) p.reject(error);
        },
      );
    this.#writing.add(written);
    void written.then(() => this.#writing.delete(written));
  }
}
