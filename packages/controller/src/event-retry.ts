import { RoundhouseError } from '@roundhouse/core';
import { isKubernetesError } from '@roundhouse/kube';

/** What a failed create of an Event leads to. */
export type EventRetry =
  | { readonly action: 'exists' }
  | { readonly action: 'retry'; readonly afterMs: number }
  | { readonly action: 'give-up' };

/** Pauses before the retries of a named Event: short, since the reconcile waits for them. */
const namedRetryDelaysMs = [200, 1_000];

/**
 * Creates of a server-named Event after the first one whose generated name was taken. Each
 * draws a new random name, so a few are enough: kube-apiserver (1.30 on) already tried 8 names
 * itself before answering so, an older one only one.
 */
const generatedNameRetries = 2;

/**
 * Whether to send a failed create of an Event again, after `retries` retries so far.
 *
 * An Event named by the recorder (a keyed one) that exists was recorded before; one that failed
 * in a way that may pass (429, 5xx, a timeout) is sent again after a short pause, since a second
 * create of the same name cannot make two.
 *
 * An Event named by the server (`generateName`) is refused AlreadyExists only when the name the
 * server drew was taken: it was not recorded, and the API server asks to send it again. client-go
 * never meets this (its recorder names every Event `<object>.<nanoseconds>` itself and drops one
 * that exists, which is then the same Event); here it is sent again at once, as another create
 * draws another name. Any other failure is final: a create that may have landed and is sent again
 * could make two Events.
 */
export function eventRetry(error: unknown, named: boolean, retries: number): EventRetry {
  if (named) {
    if (isKubernetesError(error, 'AlreadyExists')) return { action: 'exists' };
    const afterMs = namedRetryDelaysMs[retries];
    const passing = error instanceof RoundhouseError && error.retryable;
    return passing && afterMs !== undefined ? { action: 'retry', afterMs } : { action: 'give-up' };
  }
  if (isKubernetesError(error, 'AlreadyExists') && retries < generatedNameRetries)
    return { action: 'retry', afterMs: 0 };
  return { action: 'give-up' };
}
