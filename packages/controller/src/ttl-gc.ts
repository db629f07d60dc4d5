import { type Logger, noopLogger } from '@roundhouse/core';
import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { deleteAsRead } from '@roundhouse/kube';
import { delay } from './delay.js';
import { describeError } from './describe-error.js';

/**
 * The two labels a finished object carries so a collector finds it without reading statuses:
 * `terminated` (value `terminated`) selects finished objects, and `completedTime` holds when
 * it finished, at minute precision in a form that sorts as time does.
 */
export interface TtlLabelKeys {
  readonly terminated: string;
  readonly completedTime: string;
}

export const terminatedLabelValue = 'terminated';

const completedTimePattern = /^\d{4}-\d{2}-\d{2}\.\d{2}-\d{2}$/;

/** `2026-01-02.15-04`: UTC to the minute, a valid label value, ordered as strings as in time. */
export function completedTimeLabelValue(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}.${iso.slice(11, 13)}-${iso.slice(14, 16)}`;
}

/** The labels that mark an object as finished at `completedAt`. */
export function terminalLabels(keys: TtlLabelKeys, completedAt: Date): Record<string, string> {
  return {
    [keys.terminated]: terminatedLabelValue,
    [keys.completedTime]: completedTimeLabelValue(completedAt),
  };
}

export function hasTerminalLabels(
  labels: Readonly<Record<string, string>> | undefined,
  keys: TtlLabelKeys,
): boolean {
  return (
    labels?.[keys.terminated] === terminatedLabelValue &&
    completedTimePattern.test(labels[keys.completedTime] ?? '')
  );
}

/**
 * Whether an object that finished at the labelled minute has outlived `ttlMs` at `now`. It is
 * never early (the label rounds down, the cutoff compares whole minutes) and at most a minute
 * late. A TTL of zero or less expires everything finished; a malformed label never expires.
 */
export function isExpired(completedTime: string, ttlMs: number, now: Date): boolean {
  if (!completedTimePattern.test(completedTime)) return false;
  if (ttlMs <= 0) return true;
  return completedTime < completedTimeLabelValue(new Date(now.getTime() - ttlMs));
}

export interface TtlGarbageCollectorOptions {
  readonly labels: TtlLabelKeys;
  /** How long a finished object is kept; zero or less deletes finished objects at the next sweep. */
  readonly ttlMs: number;
  /** Time between sweeps of `run`. */
  readonly intervalMs: number;
  /**
   * Whether an object the labels mark finished really is, from what only the controller writes
   * (its status). Labels are anyone's to set: without this, an author who labels a running
   * object at create has it deleted by the collector. Default: the labels are trusted.
   */
  readonly isFinished?: ((object: KubeObject) => boolean) | undefined;
  /** Collect in one namespace; default every namespace. */
  readonly namespace?: string | undefined;
  /** Objects per list request. Default 500. */
  readonly pageSize?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly now?: (() => Date) | undefined;
}

export interface SweepResult {
  /** Finished objects listed. */
  readonly examined: number;
  /** Expired objects this sweep deleted; one already gone is not counted. */
  readonly deleted: number;
}

/**
 * Deletes finished objects once their TTL has passed. It lists by the terminal labels (a page
 * of `pageSize` at a time, straight from the API server), compares the completed-time label
 * with the cutoff, and deletes in the background so owned objects go too. An object already
 * gone (deleted by its owner's cascade earlier in the sweep) counts as done; one replaced
 * under the same name since the list is left alone (uid precondition).
 */
export class TtlGarbageCollector {
  readonly #client: Pick<KubeClient, 'list' | 'delete'>;
  readonly #type: ResourceType;
  readonly #o: TtlGarbageCollectorOptions;
  readonly #logger: Logger;

  constructor(
    client: Pick<KubeClient, 'list' | 'delete'>,
    type: ResourceType,
    options: TtlGarbageCollectorOptions,
  ) {
    this.#client = client;
    this.#type = type;
    this.#o = options;
    this.#logger = options.logger ?? noopLogger;
  }

  async sweep(signal?: AbortSignal): Promise<SweepResult> {
    const { labels } = this.#o;
    const now = this.#o.now?.() ?? new Date();
    const { items } = await this.#client.list<KubeObject>(this.#type, this.#o.namespace, {
      labelSelector: `${labels.terminated}=${terminatedLabelValue},${labels.completedTime}`,
      limit: this.#o.pageSize ?? 500,
      signal,
    });
    let deleted = 0;
    for (const item of items) {
      const completedTime = item.metadata?.labels?.[labels.completedTime] ?? '';
      if (!isExpired(completedTime, this.#o.ttlMs, now)) continue;
      if (this.#o.isFinished && !this.#o.isFinished(item)) continue;
      if (await this.#delete(item, signal)) deleted += 1;
    }
    if (deleted > 0) {
      this.#logger.info(
        { kind: this.#type.kind, deleted, examined: items.length },
        'deleted expired finished objects',
      );
    }
    return { examined: items.length, deleted };
  }

  /** Sweeps at once, then every `intervalMs`, until `signal` aborts. A failed sweep is logged. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.sweep(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.#logger.warn(
          { ...describeError(error), kind: this.#type.kind },
          'garbage collection sweep failed',
        );
      }
      await delay(this.#o.intervalMs, signal);
    }
  }

  async #delete(item: KubeObject, signal: AbortSignal | undefined): Promise<boolean> {
    // A new object that took the name after the list is not the one that expired.
    const outcome = await deleteAsRead(this.#client, this.#type, item, {
      propagationPolicy: 'Background',
      signal,
    });
    return outcome === 'deleted';
  }
}
