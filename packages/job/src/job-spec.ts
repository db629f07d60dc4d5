import type {
  V1Job,
  V1PodSecurityContext,
  V1PodSpec,
  V1ResourceRequirements,
  V1SecurityContext,
} from '@kubernetes/client-node';
import {
  type Conventions,
  checkStoredObjectSize,
  conventionKeys,
  type Dependencies,
  dependencyMounts,
  executionImage,
  executionMetadata,
  executionObjectMeta,
  executionResources,
  parameterEnv,
  parseTimeout,
  requestedServiceAccount,
  toLabelValue,
  type WorkflowExecution,
} from '@roundhouse/core';
import { restrictedSecurityProfile } from '@roundhouse/kube';
import { checkExecLimits } from './exec-limits.js';
import { kubeletLiteral } from './kubelet-literal.js';

export const jobEngine = 'job';
export const workflowContainerName = 'workflow';

/**
 * Pod-level settings an operator may add to every Job (scheduling, pull secrets, ...), and
 * `automountServiceAccountToken: false` for a controller whose authors choose what runs (a
 * command, a script): their code then holds no token of the pod's ServiceAccount.
 * `enableServiceLinks: true` gives back, under the `restricted` profile, the variables naming the
 * namespace's Services to a workflow that still reads them.
 */
export type PodSettings = Pick<
  V1PodSpec,
  | 'automountServiceAccountToken'
  | 'enableServiceLinks'
  | 'nodeSelector'
  | 'tolerations'
  | 'affinity'
  | 'priorityClassName'
  | 'imagePullSecrets'
  | 'runtimeClassName'
  | 'topologySpreadConstraints'
>;

/** What the workflow container runs instead of its image's entrypoint. */
export interface ContainerCommand {
  readonly command?: readonly string[] | undefined;
  readonly args?: readonly string[] | undefined;
}

export interface JobSettings {
  readonly conventions: Conventions;
  /** Used when the WorkflowExecution names none. */
  readonly serviceAccountName: string;
  /** Go duration used when the WorkflowExecution sets no timeout; none means no deadline. */
  readonly defaultTimeout?: string | undefined;
  /**
   * How long the API server keeps the Job once it finished; unset, until someone deletes it (a
   * controller that must read every result before the Job goes).
   */
  readonly ttlSecondsAfterFinished?: number | undefined;
  /**
   * `restricted` (default) runs as non-root with seccomp RuntimeDefault, no privilege
   * escalation, all capabilities dropped and a read-only root filesystem (with /tmp writable),
   * and without service links. `none` sets no security context and leaves service links to
   * Kubernetes (on). Either is refined by the two overrides and `pod.enableServiceLinks`.
   */
  readonly securityProfile: 'restricted' | 'none';
  readonly podSecurityContext?: V1PodSecurityContext | undefined;
  readonly containerSecurityContext?: V1SecurityContext | undefined;
  /**
   * The workflow container's requests and limits. An execution's `workflowRef.resources`
   * replaces them resource by resource, and may not ask past a limit set here.
   */
  readonly resources?: V1ResourceRequirements | undefined;
  readonly pod?: PodSettings | undefined;
  readonly podLabels?: Readonly<Record<string, string>> | undefined;
  readonly podAnnotations?: Readonly<Record<string, string>> | undefined;
  /**
   * The command an execution runs, decided by the embedding controller (a TaskAction's task
   * template, say); undefined runs the image's entrypoint. A WorkflowExecution's author names a
   * bundle, not a command, so the WorkflowExecution controller sets none: with one, whoever
   * writes the resource chooses what runs in an allowed image. An argument longer than one
   * `execve` string (as the container gets it, before the kubelet escaping) is refused as a
   * ConfigurationError, with no Job created.
   */
  readonly containerCommand?:
    | ((wfe: WorkflowExecution) => ContainerCommand | undefined)
    | undefined;
}

/**
 * Selects the pods of every Job this engine created under `conventions`: the owner and engine
 * labels `buildJob` puts on the pod template (`executionMetadata`'s `podLabels`), in both the
 * Roundhouse and the kubernaut preset.
 */
export function jobPodsSelector(conventions: Conventions): string {
  const keys = conventionKeys(conventions);
  return `${keys.workflowExecutionLabel},${keys.executionEngineLabel}=${toLabelValue(jobEngine)}`;
}

/**
 * The pods the engine reads: those not started or failed. A Job's running and succeeded pods
 * say nothing its own status does not (`ready`, `succeeded`), and leaving them out spares the
 * API server most of each pod's events on a controller's watch.
 */
export const jobPodsFieldSelector = 'status.phase!=Running,status.phase!=Succeeded';

const tmpVolume = 'tmp';
/** Where programs write their scratch files, pointed at the `tmp` volume under a read-only root. */
const scratchVariables = ['HOME', 'TMPDIR'] as const;

/** Seconds for activeDeadlineSeconds, from a Go duration; rejects what cannot be a deadline. */
function deadlineSeconds(timeout: string | undefined, path: string): number | undefined {
  return timeout === undefined ? undefined : Math.ceil(parseTimeout(timeout, path) / 1000);
}

/**
 * The Job that runs `wfe`: named for the lock, labelled for its owner, one `workflow`
 * container running the execution bundle once with the parameters in its environment.
 * Pure: the same inputs always give the same object, and bad input throws ConfigurationError
 * before anything is sent to the cluster.
 */
export function buildJob(
  wfe: WorkflowExecution,
  namespace: string,
  dependencies: Dependencies | undefined,
  settings: JobSettings,
): V1Job {
  const { conventions } = settings;
  const meta = executionMetadata(wfe, jobEngine, conventions);
  const mounts = dependencyMounts(dependencies, conventions);
  const env = parameterEnv(wfe.spec.targetResource, wfe.spec.parameters);
  const run = settings.containerCommand?.(wfe);
  checkExecLimits(env, run);
  const profile =
    settings.securityProfile === 'restricted' ? restrictedSecurityProfile() : undefined;
  const containerSecurity = { ...profile?.container, ...settings.containerSecurityContext };
  const podSecurity = { ...profile?.pod, ...settings.podSecurityContext };
  // A read-only root filesystem breaks most tools unless /tmp is writable and HOME and TMPDIR
  // point there; a TMPDIR parameter keeps its own value (HOME is refused as code-loading).
  const writableTmp = containerSecurity.readOnlyRootFilesystem === true;
  const scratchEnv = writableTmp
    ? scratchVariables.filter((name) => !env.some((e) => e.name === name))
    : [];
  const timeout = wfe.spec.executionConfig?.timeout
    ? deadlineSeconds(wfe.spec.executionConfig.timeout, 'spec.executionConfig.timeout')
    : deadlineSeconds(settings.defaultTimeout, 'defaultTimeout');
  const resources = executionResources(wfe.spec.workflowRef.resources, settings.resources);
  // A pod outlives its Job when the Job is deleted orphaning it: the owner's uid on the pod is
  // what tells this execution's pod from a successor's of the same name (`isOrphanedPodOf`).
  const uidKey = conventionKeys(conventions).workflowExecutionUidAnnotation;
  const ownerUid = wfe.metadata.uid ? { [uidKey]: wfe.metadata.uid } : undefined;

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: executionObjectMeta(wfe, namespace, meta, conventions),
    spec: {
      backoffLimit: 0,
      ...(settings.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished }
        : {}),
      ...(timeout !== undefined ? { activeDeadlineSeconds: timeout } : {}),
      template: {
        metadata: {
          labels: { ...settings.podLabels, ...meta.podLabels },
          ...(settings.podAnnotations || ownerUid
            ? { annotations: { ...settings.podAnnotations, ...ownerUid } }
            : {}),
        },
        spec: {
          ...profile?.podSpec,
          ...settings.pod,
          restartPolicy: 'Never',
          serviceAccountName: requestedServiceAccount(wfe) ?? settings.serviceAccountName,
          ...(Object.keys(podSecurity).length ? { securityContext: podSecurity } : {}),
          containers: [
            {
              name: workflowContainerName,
              image: executionImage(wfe),
              // The author's text: the kubelet must not expand `$(NAME)` in it.
              ...(run?.command?.length ? { command: run.command.map(kubeletLiteral) } : {}),
              ...(run?.args?.length ? { args: run.args.map(kubeletLiteral) } : {}),
              env: [
                ...env.map((e) => ({ name: e.name, value: kubeletLiteral(e.value) })),
                ...scratchEnv.map((name) => ({ name, value: '/tmp' })),
              ],
              ...(resources ? { resources } : {}),
              ...(Object.keys(containerSecurity).length
                ? { securityContext: containerSecurity }
                : {}),
              ...(mounts.volumeMounts.length || writableTmp
                ? {
                    volumeMounts: [
                      ...mounts.volumeMounts.map((m) => ({ ...m })),
                      ...(writableTmp ? [{ name: tmpVolume, mountPath: '/tmp' }] : []),
                    ],
                  }
                : {}),
            },
          ],
          ...(mounts.volumes.length || writableTmp
            ? {
                volumes: [
                  ...mounts.volumes.map((v) => ({ ...v })),
                  ...(writableTmp ? [{ name: tmpVolume, emptyDir: {} }] : []),
                ],
              }
            : {}),
        },
      },
    },
  };
  // The embedder's arguments are stored, escaped, beside the parameters: either can be the fix.
  const embedded = run?.command?.length || run?.args?.length;
  checkStoredObjectSize(
    job,
    'Job',
    'spec.parameters',
    `the Job carries every parameter, each "$" in it doubled so the kubelet passes it on unexpanded; use smaller parameter values${embedded ? ", or have the embedding controller's containerCommand pass fewer or shorter arguments" : ''}`,
  );
  return job;
}
