/** A pod condition as the API server writes it; unset fields may come as null. */
export interface PodConditionState {
  readonly type: string;
  readonly status: string;
  readonly reason?: string | null | undefined;
  readonly message?: string | null | undefined;
}

/** The parts of a pod's status that say whether the cluster ended it. */
export interface PodDisruptionSource {
  readonly reason?: string | null | undefined;
  readonly message?: string | null | undefined;
  readonly conditions?: readonly PodConditionState[] | null | undefined;
}

const disruptionTarget = 'DisruptionTarget';

/** The conditions `podDisruption` reads, or undefined when there are none. */
export function disruptionConditions<C extends PodConditionState>(
  conditions: readonly C[],
): C[] | undefined {
  const kept = conditions.filter((c) => c.type === disruptionTarget);
  return kept.length ? kept : undefined;
}

export interface PodDisruption {
  /** `Evicted`, `DeadlineExceeded`, `Terminated`, ... or the DisruptionTarget condition's reason. */
  readonly reason: string;
  readonly message?: string | undefined;
}

/**
 * Why the cluster, not the workflow, ended a pod, if it did: the reason the kubelet failed it
 * with (`Evicted` under node pressure, `DeadlineExceeded`, `Terminated` at node shutdown), or
 * the `DisruptionTarget` condition (preemption, a taint, the Eviction API, the kubelet), which
 * some kubelets set without a reason. The containers of such a pod were killed, so their exit
 * codes (137, 143) tell how, not why; a pod its own container failed has neither.
 */
export function podDisruption(status: PodDisruptionSource | undefined): PodDisruption | undefined {
  if (status?.reason) {
    return { reason: status.reason, ...(status.message ? { message: status.message } : {}) };
  }
  const target = status?.conditions?.find(
    (c) => c.type === disruptionTarget && c.status === 'True',
  );
  if (!target) return undefined;
  return {
    reason: target.reason || disruptionTarget,
    ...(target.message ? { message: target.message } : {}),
  };
}
