/*
 * A check every Roundhouse client runs just before it sends a request on behalf of the work
 * around it (a reconcile and whatever that reconcile calls, however deep): a Controller under
 * leader election sets one that refuses once the lease is lost or past its renew deadline, so a
 * replica that wakes from a pause sends nothing more for the term it lost, not even the next
 * request of a reconcile that was waiting on an answer when it stopped. The gate travels with
 * the asynchronous context, so clients need no argument for it and engines need not know it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Returns nothing to let a request go, or the error to refuse it with. */
export type RequestGate = () => Error | undefined;

/*
 * One store per process, shared by every copy of this package an application ends up with (two
 * versions side by side in node_modules): a gate set through one copy must hold for a client
 * loaded through another.
 */
const storeKey = Symbol.for('@roundhouse/core.request-gate');
const registry = globalThis as {
  [storeKey]?: AsyncLocalStorage<RequestGate | undefined> | undefined;
};
registry[storeKey] ??= new AsyncLocalStorage<RequestGate | undefined>();
const gates = registry[storeKey];

/** Runs `work` with `gate` checked before every request sent on its behalf. */
export function withRequestGate<T>(gate: RequestGate, work: () => T): T {
  return gates.run(gate, work);
}

/**
 * Runs `work` with no gate, whatever gate the caller runs under: for what outlives the work that
 * started it and answers to no term (an informer started by a reconcile's first read of a kind,
 * the elector's Lease requests).
 */
export function withoutRequestGate<T>(work: () => T): T {
  // Entering a store costs nothing on Node 24, but turns on promise hooks for the whole process
  // on Node 22; work under no gate has none to leave.
  return gates.getStore() === undefined ? work() : gates.run(undefined, work);
}

/** The error the current gate refuses a request with; undefined when it may be sent. */
export function requestRefusal(): Error | undefined {
  return gates.getStore()?.();
}
