import {
  cacheGate,
  markCacheHit,
  markWaitingForCache,
  type ReconcileContext,
  type ReconcileResult,
} from '@roundhouse/controller';
import type { CachePolicy } from './cache.js';
import type { CacheStore } from './cache-store.js';
import type { TaskAction } from './spec.js';
import type { Expected, TransitionWriter } from './transition.js';

export interface CacheGateContext {
  readonly cache: CacheStore;
  readonly transitions: TransitionWriter;
  /** The heartbeat: a waiter looks again at least this often. */
  readonly resyncMs: number;
  readonly now: () => Date;
}

/**
 * What a waiter logs (debug) on each look that leaves it waiting: its status is written only when
 * the holder changes, so this line is how one tells a waiter still looking from one stuck.
 */
export const waitingForCacheLog = 'waiting for the cache';

/**
 * Before an attempt of a cached action launches: a hit ends it with the cached outputs; a miss
 * lets it run, a serialized one only once it holds the key's reservation, and otherwise it
 * stays Queued (WaitingForCache) and looks again within a heartbeat or when the holder's
 * reservation would expire. 'run' when the attempt may launch.
 */
export async function passCacheGate(
  action: TaskAction,
  policy: CachePolicy,
  expected: Expected,
  ctx: ReconcileContext,
  gateContext: CacheGateContext,
): Promise<ReconcileResult | undefined | 'run'> {
  const { cache, transitions, resyncMs } = gateContext;
  const request = { now: gateContext.now(), signal: ctx.signal };
  const { lookup, lease } = await cache.lookup(policy, request);
  const gate = cacheGate(lookup);
  switch (gate.gate) {
    case 'hit':
      await transitions.write(
        action,
        (s, at) => markCacheHit(s, gate.outputUri, at),
        ctx,
        expected,
        { outputUri: gate.outputUri },
      );
      return undefined;
    case 'wait': {
      await transitions.write(
        action,
        (s, at) => markWaitingForCache(s, gate.holder, at),
        ctx,
        expected,
      );
      ctx.logger.debug({ holder: gate.holder }, waitingForCacheLog);
      const untilExpiry = gate.until.getTime() - request.now.getTime();
      return { requeueAfter: Math.max(1, Math.min(resyncMs, untilExpiry)) };
    }
    case 'reserve':
      // Lost to another action's write: look again at once (a requeue of 0 is none), it is a
      // hit or a wait now.
      return (await cache.reserve(policy, lease, request)) ? 'run' : { requeueAfter: 1 };
    case 'run':
      return 'run';
  }
}
