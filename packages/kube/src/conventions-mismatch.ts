import {
  type Conventions,
  ConventionsMismatchError,
  isOwnedBy,
  kubernautConventions,
  type OwnerMetadata,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';

/**
 * The conventions a controller may have been started under, by the name `--conventions` gives
 * each: a resource made under one of them and read under another is recognised by these.
 */
export const conventionPresets: Readonly<Record<string, Conventions>> = Object.freeze({
  roundhouse: roundhouseConventions,
  kubernaut: kubernautConventions,
});

/**
 * The `ConventionsMismatchError` for a resource that `conventions` do not own for `wfe` but
 * another preset does (its owner labels and uid name this very execution under that preset's
 * label prefix), or undefined when none does. Presets of the caller's own label prefix are
 * skipped: their keys are the ones the caller read already.
 */
export function conventionsMismatch(
  resource: string,
  metadata: OwnerMetadata | undefined,
  wfe: Pick<WorkflowExecution, 'metadata'>,
  conventions: Conventions,
): ConventionsMismatchError | undefined {
  const madeUnder = Object.entries(conventionPresets).find(
    ([, preset]) =>
      preset.labelPrefix !== conventions.labelPrefix && isOwnedBy(metadata, wfe, preset),
  )?.[0];
  return madeUnder === undefined
    ? undefined
    : new ConventionsMismatchError(resource, madeUnder, conventionsName(conventions));
}

/** A preset's name when `conventions` use its label prefix; the label prefix otherwise. */
function conventionsName(conventions: Conventions): string {
  const preset = Object.entries(conventionPresets).find(
    ([, candidate]) => candidate.labelPrefix === conventions.labelPrefix,
  );
  return preset?.[0] ?? conventions.labelPrefix;
}
