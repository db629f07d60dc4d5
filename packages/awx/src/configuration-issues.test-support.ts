/**
 * What a refused configuration says, for unit tests of the pure checks. Not shipped: the build
 * leaves out `*.test-support.ts`.
 */
import { ConfigurationError } from '@roundhouse/core';

/** The issues of the ConfigurationError `run` throws; any other outcome fails the test. */
export function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}
