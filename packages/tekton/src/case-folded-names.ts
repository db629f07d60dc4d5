import { ConfigurationError, type FieldIssue, targetResourceParameter } from '@roundhouse/core';

/**
 * Refuses parameters whose names differ from another's, or from TARGET_RESOURCE, only in letter
 * case. Tekton's webhook compares a PipelineRun's param names lower-cased
 * (`validateNoDuplicateNames`, taskrun_validation.go) and refuses the whole run for `mode` beside
 * `MODE`, or a `target_resource` beside the TARGET_RESOURCE the engine adds; said here, before
 * anything is sent, naming every parameter after the first of its spelling. `sorted` is in
 * code-point order, so which one is named does not depend on the order they were written in.
 */
export function refuseCaseFoldedDuplicates(sorted: readonly (readonly [string, string])[]): void {
  const first = new Map<string, string>([
    [targetResourceParameter.toLowerCase(), targetResourceParameter],
  ]);
  const issues: FieldIssue[] = [];
  for (const [name] of sorted) {
    // Parameter names are ASCII C identifiers, which Go's strings.ToLower folds as JS does.
    const folded = name.toLowerCase();
    const earlier = first.get(folded);
    if (earlier === undefined) {
      first.set(folded, name);
      continue;
    }
    issues.push({
      path: `spec.parameters.${name}`,
      message: `differs from ${earlier === targetResourceParameter ? `${targetResourceParameter}, which the engine always sets from spec.targetResource,` : `parameter ${earlier}`} only in letter case, and Tekton refuses a PipelineRun whose params match ignoring case: rename it`,
    });
  }
  if (issues.length) throw new ConfigurationError(issues);
}
