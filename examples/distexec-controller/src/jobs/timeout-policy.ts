import type { DistExecView } from '../spec.js';

/** The deadlines of node Jobs, in seconds: what a spec without one gets, and the most it may ask. */
export interface TimeoutPolicy {
  readonly defaultSeconds: number;
  readonly maxSeconds: number;
}

/**
 * The spec as node Jobs may run it: without `timeoutSeconds` it gets the operator's default, so
 * no DistExec holds a pod on every node for ever; one asking for more than `--max-timeout` is a
 * spec problem, so every node records it refused and no Job is created.
 */
export function admitTimeout(
  spec: DistExecView['spec'],
  policy: TimeoutPolicy,
): DistExecView['spec'] {
  if (!spec.valid) return spec;
  const asked = spec.value.timeoutSeconds;
  if (asked === undefined) {
    return { ...spec, value: { ...spec.value, timeoutSeconds: policy.defaultSeconds } };
  }
  if (asked <= policy.maxSeconds) return spec;
  return {
    valid: false,
    message: `spec.timeoutSeconds: ${asked} is longer than the ${policy.maxSeconds} this controller allows (--max-timeout); ask for less, or ask the operator to raise --max-timeout`,
  };
}
