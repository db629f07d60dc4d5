import { type ExecutionWatch, executionResourceName } from '@roundhouse/core';

/**
 * Whether the resource found for an execution by its owner (`name`) was made under a name
 * prefix its engine no longer uses: none of the names its watches' conventions give the
 * target today is that one. The engine's create would then build another name, and make a
 * second resource beside the execution's own. An engine that declares no watches says no
 * prefix, and its create is taken at its word.
 */
export function madeUnderAnotherPrefix(
  watches: readonly ExecutionWatch[] | undefined,
  targetResource: string,
  name: string,
): boolean {
  const todays = (watches ?? []).map(({ conventions }) =>
    executionResourceName(targetResource, conventions.namePrefix),
  );
  return todays.length > 0 && !todays.includes(name);
}
