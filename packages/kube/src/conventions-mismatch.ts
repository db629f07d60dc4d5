import {
  type Conventions,
  ConventionsMismatchError,
  conventionsPresets,
  isOwnedBy,
  type OwnerMetadata,
  type WorkflowExecution,
} from '@roundhouse/core';

/**
 * The `ConventionsMismatchError` for a resource that `conventions` do not own for `wfe` but
 * another of core's `conventionsPresets` (the names `--conventions` takes) does: its owner
 * labels and uid name this very execution under that preset's label prefix. Undefined when
 * none does. Presets of the caller's own label prefix are
 * skipped: their keys are the ones the caller read already.
 */
export function conventionsMismatch(
  resource: string,
  metadata: OwnerMetadata | undefined,
  wfe: Pick<WorkflowExecution, 'metadata'>,
  conventions: Conventions,
): ConventionsMismatchError | undefined {
  const madeUnder = Object.entries(conventionsPresets).find(
    ([, preset]) =>
      preset.labelPrefix !== conventions.labelPrefix && isOwnedBy(metadata, wfe, preset),
  )?.[0];
  return madeUnder === undefined
    ? undefined
    : new ConventionsMismatchError(resource, madeUnder, conventionsName(conventions));
}

/** A preset's name when `conventions` use its label prefix; the label prefix otherwise. */
function conventionsName(conventions: Conventions): string {
  const preset = Object.entries(conventionsPresets).find(
    ([, candidate]) => candidate.labelPrefix === conventions.labelPrefix,
  );
  return preset?.[0] ?? conventions.labelPrefix;
}
