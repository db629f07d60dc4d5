import { containerLostReason } from '@roundhouse/job';
import { z } from 'zod';
import { stepContainers } from './step-containers.js';

// Kubernetes writes an unset time as null in some places; read it as absent.
const time = z.string().nullish();

const TerminatedSchema = z.looseObject({
  exitCode: z.number(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  startedAt: time,
  finishedAt: time,
});

const ContainerStatusSchema = z.looseObject({
  name: z.string(),
  state: z
    .looseObject({
      waiting: z
        .looseObject({ reason: z.string().nullish(), message: z.string().nullish() })
        .nullish(),
      running: z.looseObject({ startedAt: time }).nullish(),
      terminated: TerminatedSchema.nullish(),
    })
    .nullish(),
  lastState: z.looseObject({ terminated: TerminatedSchema.nullish() }).nullish(),
});

const ContainerSchema = z.looseObject({
  name: z.string(),
  command: z.array(z.string()).nullish(),
  args: z.array(z.string()).nullish(),
  restartPolicy: z.string().nullish(),
});

/** The parts of a Pod the step and result mapping read; the API server's JSON is checked against it. */
export const PodStateSchema = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().optional(),
      creationTimestamp: z.string().optional(),
      deletionTimestamp: z.string().nullish(),
      deletionGracePeriodSeconds: z.number().nullish(),
    })
    .optional(),
  spec: z
    .looseObject({
      initContainers: z.array(ContainerSchema).nullish(),
      containers: z.array(ContainerSchema).nullish(),
      activeDeadlineSeconds: z.number().nullish(),
    })
    .optional(),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      startTime: time,
      reason: z.string().nullish(),
      message: z.string().nullish(),
      conditions: z
        .array(
          z.looseObject({
            type: z.string(),
            status: z.string(),
            reason: z.string().nullish(),
            message: z.string().nullish(),
            lastTransitionTime: time,
          }),
        )
        .nullish(),
      initContainerStatuses: z.array(ContainerStatusSchema).nullish(),
      containerStatuses: z.array(ContainerStatusSchema).nullish(),
    })
    .optional(),
});

export type PodState = z.infer<typeof PodStateSchema>;

/**
 * Where a step is: `Waiting` to start, `Running`, ended `Succeeded` (exit 0) or `Failed`, or
 * `Skipped`: the Pod ended without ever starting it (a step before it failed, or the Pod was
 * stopped).
 */
export const StepStateSchema = z.enum(['Waiting', 'Running', 'Succeeded', 'Failed', 'Skipped']);

export const StepStatusSchema = z.object({
  name: z.string(),
  state: StepStateSchema,
  exitCode: z.number().int().optional(),
  /** The container's terminated reason (`Completed`, `Error`, `OOMKilled`) or waiting reason. */
  reason: z.string().optional(),
  message: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});

export type StepState = z.infer<typeof StepStateSchema>;
export type StepStatus = z.infer<typeof StepStatusSchema>;

type ContainerStatus = z.infer<typeof ContainerStatusSchema>;

/**
 * A container's start time, without the zero time (the Unix epoch) the runtime reports for one
 * it could not start (`StartError`): that container never started.
 */
const containerStartedAt = (time: string | null | undefined) =>
  time && Date.parse(time) !== 0 ? time : undefined;

const defined = <T extends Record<string, unknown>>(fields: T) =>
  Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== null),
  );

/**
 * Each step's status, in step order (init containers, then containers, without the native
 * sidecars a webhook added), from the Pod's container statuses. A sequential step with no status
 * of its own counts as succeeded once a later (main) container has started or the Pod succeeded:
 * the kubelet starts main containers only after every init container exited 0, and some runtimes
 * (KWOK) report main containers only.
 */
export function stepStatuses(pod: PodState): StepStatus[] {
  const { init, main } = stepContainers(pod);
  const statuses = new Map<string, ContainerStatus>();
  for (const status of [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ]) {
    statuses.set(status.name, status);
  }
  const phase = pod.status?.phase;
  const mainStarted = main.some((c) => {
    const state = statuses.get(c.name)?.state;
    return Boolean(state?.running || state?.terminated);
  });
  const initDone = mainStarted || phase === 'Succeeded';
  return [
    ...init.map((c) => stepStatus(c.name, statuses.get(c.name), phase, initDone)),
    ...main.map((c) => stepStatus(c.name, statuses.get(c.name), phase, false)),
  ];
}

/**
 * The loss of a running container the runtime no longer lists: the kubelet leaves the
 * container waiting (`PodInitializing`, `ContainerCreating`) and writes the loss, a
 * `ContainerStatusUnknown` with the placeholder exit code 137, as its last state
 * (`convertToAPIContainerStatuses`, pkg/kubelet/kubelet_pods.go). With `restartPolicy: Never`
 * nothing restarts it, so the step ended there; read as waiting, a step that ran would read as
 * never started.
 */
function vanished(status: ContainerStatus | undefined) {
  const last = status?.lastState?.terminated;
  return status?.state?.waiting && last?.reason === containerLostReason ? last : undefined;
}

function stepStatus(
  name: string,
  status: ContainerStatus | undefined,
  podPhase: string | null | undefined,
  impliedSuccess: boolean,
): StepStatus {
  const { running, waiting } = status?.state ?? {};
  const terminated = status?.state?.terminated ?? vanished(status);
  if (terminated) {
    return {
      name,
      state: terminated.exitCode === 0 ? 'Succeeded' : 'Failed',
      exitCode: terminated.exitCode,
      ...defined({
        reason: terminated.reason,
        message: terminated.message?.trim() || undefined,
        startedAt: containerStartedAt(terminated.startedAt),
        finishedAt: terminated.finishedAt,
      }),
    };
  }
  if (running) return { name, state: 'Running', ...defined({ startedAt: running.startedAt }) };
  if (impliedSuccess) return { name, state: 'Succeeded' };
  const ended = podPhase === 'Succeeded' || podPhase === 'Failed';
  return {
    name,
    state: ended ? 'Skipped' : 'Waiting',
    ...defined({ reason: waiting?.reason, message: waiting?.message }),
  };
}
