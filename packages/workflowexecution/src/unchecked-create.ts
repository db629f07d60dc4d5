import { RoundhouseError } from '@roundhouse/core';

/**
 * A start meant to adopt the resource a start before a restart made (found by its owner in the
 * cache) had its engine create one instead: the resource was gone after all, the cache behind
 * its delete. What the engine made went through none of a start's checks (the adoption skips
 * them), so it is removed, and the start is retried through them.
 */
export class UncheckedCreateError extends RoundhouseError {
  readonly reason = 'UncheckedCreate';
  override readonly retryable = true;

  constructor(resourceName: string) {
    super(
      `the execution resource ${resourceName} a start before a restart made was gone when adopted; the one created instead is removed, and the start is retried with its checks`,
    );
  }
}
