import type { KubeObject } from '@roundhouse/kube';
import { conditionTypes } from './status.js';

/**
 * What the start of an execution needs to know of every other one on its target, read from the
 * raw cached object once per version: the cache hands each version out unchanged, and parsing
 * whole statuses on every start made a target with N executions cost N² parses as they all
 * woke at the end of a cooldown.
 */
export interface Entry {
  readonly key: string;
  readonly uid: string | undefined;
  /** The target as the execution writes it: its lock name hashes this spelling. */
  readonly target: string;
  readonly engine: unknown;
  /** Acted on the target (see `cooldownBlocking`), so its completion starts a cooldown. */
  readonly acted: boolean;
  /** When it finished, in ms; NaN before it has. */
  readonly completedMs: number;
  /** The resource it holds while running under its engine, if any. */
  readonly holding: string | undefined;
  readonly waiting: boolean;
  /** It acted, and its lock is released or it is going: whoever waits on it may start now. */
  readonly releases: boolean;
}

/** The status fields the target's bookkeeping reads, each only when it has the right type. */
export function entryOf(key: string, target: string, object: KubeObject): Entry {
  const status = isRecord(object.status) ? object.status : {};
  const phase = typeof status.phase === 'string' ? status.phase : undefined;
  const ref = isRecord(status.executionRef) ? status.executionRef.name : undefined;
  const resourceName = typeof ref === 'string' ? ref : undefined;
  const acted = resourceName !== undefined || phase === 'Completed';
  const terminal = phase === 'Completed' || phase === 'Failed';
  const completion = status.completionTime;
  const lockReleased =
    Array.isArray(status.conditions) &&
    status.conditions.some(
      (c) => isRecord(c) && c.type === conditionTypes.lockReleased && c.status === 'True',
    );
  return {
    key,
    uid: object.metadata?.uid,
    target,
    engine: (object.spec as { executionEngine?: unknown } | undefined)?.executionEngine,
    acted,
    completedMs: typeof completion === 'string' ? Date.parse(completion) : Number.NaN,
    holding: resourceName !== undefined && !terminal ? resourceName : undefined,
    waiting: phase === undefined || phase === 'Pending',
    releases: acted && (lockReleased || object.metadata?.deletionTimestamp !== undefined),
  };
}

/** Whether its completion starts a cooldown: it acted, and has finished. */
export function counts(entry: Entry): boolean {
  return entry.acted && !Number.isNaN(entry.completedMs);
}

/** The entry among `entries` whose completion counts and came last. */
export function latestOf(entries: Iterable<Entry>): Entry | undefined {
  let latest: Entry | undefined;
  for (const entry of entries) {
    if (counts(entry) && (latest === undefined || entry.completedMs > latest.completedMs)) {
      latest = entry;
    }
  }
  return latest;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
