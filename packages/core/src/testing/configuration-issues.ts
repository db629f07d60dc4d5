import { ConfigurationError, type FieldIssue } from '../errors.js';

/**
 * The issues of the ConfigurationError `run` throws, or none when it returns: a test states the
 * fields it expects refused and an accepted input fails it by showing `[]`. Any other error is
 * rethrown, so a crash is never taken for a refusal.
 */
export function configurationIssuesOf(run: () => unknown): readonly FieldIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues;
    throw error;
  }
  return [];
}
