import { ExecutionForbiddenError } from '@roundhouse/core';
import { jobTemplateNamePath } from './engine-config.js';

/**
 * Whether `name` is a job template an operator lets executions launch. A pattern is `*`
 * (anything), a prefix ending in `*` (`deploy-*`), or an exact name; compared as written, as AWX
 * compares names.
 */
export function isAllowedJobTemplate(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name,
  );
}

/** A name as the author wrote it, short enough to quote in a status message. */
function quoted(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

/**
 * Throws ExecutionForbiddenError when the execution names a job template outside `allowed`.
 * Every template runs with the controller's AWX user, whatever the author may do in AWX, so an
 * operator narrows what authors can reach through it; `undefined` leaves that to AWX's own
 * rights of that user.
 */
export function enforceJobTemplatePolicy(
  name: string,
  allowed: readonly string[] | undefined,
): void {
  if (allowed === undefined || isAllowedJobTemplate(allowed, name)) return;
  throw new ExecutionForbiddenError(
    jobTemplateNamePath,
    `job template ${quoted(name)} is not among those this controller lets executions launch${
      allowed.length ? ` (${allowed.join(', ')})` : ' (it allows none)'
    }; ask the operator to allow it`,
  );
}
