import { RoundhouseError } from '@roundhouse/core';

/**
 * A start meant to adopt the resource a start before a restart made (found by its owner in the
 * cache) had its engine find none: it was gone after all, the cache behind its delete. Nothing
 * was created; the start is retried, and the next pass, no longer finding the resource, goes
 * through every check and wait a start makes (its refusal, discovery, the cooldown).
 */
export class AdoptedResourceGoneError extends RoundhouseError {
  readonly reason = 'AdoptedResourceGone';
  override readonly retryable = true;

  constructor() {
    super(
      'the execution resource a start before a restart made was gone when adopted; nothing was created, and the start is retried with its checks',
    );
  }
}
