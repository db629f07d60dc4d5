import type {
  V1Container,
  V1OwnerReference,
  V1Pod,
  V1PodSecurityContext,
  V1PodSpec,
  V1ResourceRequirements,
  V1SecurityContext,
} from '@kubernetes/client-node';
import {
  ConfigurationError,
  type Conventions,
  checkObjectSize,
  type Dependencies,
  dependencyMounts,
  type EnvVar,
  ExecutionForbiddenError,
  executionMetadata,
  executionObjectMeta,
  executionResources,
  isAllowedSource,
  listsDependencies,
  parameterEnv,
  parseTimeout,
  requestedDependencies,
  requestedServiceAccount,
  type WorkflowExecution,
} from '@roundhouse/core';
import { kubeletLiteral, type PodSettings } from '@roundhouse/job';
import { restrictedSecurityProfile } from '@roundhouse/kube';
import { engineConfigPath, parsePodConfig, type Step } from './config.js';
import { checkExecLimits } from './exec-limits.js';
import { kubeletStatus } from './kubelet-status.js';
import { podResultFinalizer } from './result-finalizer.js';
import { stepShell } from './step-containers.js';
import { stepResources } from './step-resources.js';

export const podEngine = 'pod';

export interface PodEngineSettings {
  readonly conventions: Conventions;
  /** Used when the WorkflowExecution names none. */
  readonly serviceAccountName: string;
  /** Go duration used when the WorkflowExecution sets no timeout; none means no deadline. */
  readonly defaultTimeout?: string | undefined;
  /**
   * `restricted` (default): the job engine's profile (non-root, seccomp RuntimeDefault, no
   * privilege escalation, no capabilities, read-only root filesystem with /tmp writable, no
   * service links). `none` sets no security context and leaves service links to Kubernetes (on).
   * Either is refined by the two overrides and `pod.enableServiceLinks`.
   */
  readonly securityProfile: 'restricted' | 'none';
  readonly podSecurityContext?: V1PodSecurityContext | undefined;
  readonly containerSecurityContext?: V1SecurityContext | undefined;
  /**
   * Requests and limits of the Pod. An execution's `workflowRef.resources` replaces them
   * resource by resource, and may not ask past a limit set here. Sequential steps run one at a
   * time and each gets them all; parallel steps share them, each an equal part. A limit that
   * leaves a step less than a container can start with (12Mi of memory, 10m of cpu) is refused.
   */
  readonly resources?: V1ResourceRequirements | undefined;
  /**
   * The job engine's pod settings. The Pod mounts no ServiceAccount token unless
   * `automountServiceAccountToken` is set here (see `serviceAccountToken`).
   */
  readonly pod?: PodSettings | undefined;
  readonly podLabels?: Readonly<Record<string, string>> | undefined;
  readonly podAnnotations?: Readonly<Record<string, string>> | undefined;
  /**
   * Images a step may run: an exact reference, a prefix ending in `/*` or `:*`, or `*` for any.
   * Empty refuses every image. Steps name their own images, which a policy on the execution's
   * bundle never sees, so the engine checks them itself.
   */
  readonly allowedImages: readonly string[];
  /**
   * Refuse a step image not pinned to a digest (`image@sha256:...`), as a controller's
   * `requireDigest` refuses a bundle: the steps' images are what runs, and a tag can be moved.
   */
  readonly requireDigest?: boolean | undefined;
  /**
   * Give the Pod a controller ownerReference to the execution object (its apiVersion, kind,
   * name and uid), so the garbage collector deletes the Pod with it. Owner references cannot
   * cross namespaces: the execution must live in the execution namespace.
   */
  readonly ownerReference: boolean;
  /**
   * Put the engine's finalizer (see `podResultFinalizer`) on the Pod, so a finished Pod deleted
   * before its result was recorded stays readable, and is not taken for one never created, until
   * `cleanup` removes the finalizer. Default on, unless `ownerReference`: a Pod the garbage
   * collector deletes with its owner is never cleaned up, and would keep its finalizer for ever.
   */
  readonly resultFinalizer?: boolean | undefined;
  /**
   * Mount the execution's Secrets and ConfigMaps (`spec.dependencies`, or those the controller's
   * `resolveDependencies` catalog names) into every step. Default off: the steps are the
   * author's own scripts, which would read them, and a dependency is one the execution may use
   * (opted in to its namespace, or the operator's catalog), not one its author may read. Turn it
   * on only where the steps are operator-trusted code. Off, an execution with any is refused.
   */
  readonly mountDependencies?: boolean | undefined;
}

/** Whether Pods built with `settings` carry the engine's finalizer. */
export function keepsResult(settings: PodEngineSettings): boolean {
  return settings.resultFinalizer ?? !settings.ownerReference;
}

const tmpVolume = 'tmp';

function checkImages(steps: readonly Step[], settings: PodEngineSettings): void {
  const allowed = settings.allowedImages;
  steps.forEach((step, index) => {
    const path = `${engineConfigPath}.steps.${index}.image`;
    if (!isAllowedSource(allowed, step.image)) {
      throw new ExecutionForbiddenError(
        path,
        `image "${step.image}" is not among those this engine lets steps run${
          allowed.length ? ` (${allowed.join(', ')})` : ' (it allows none until configured)'
        }`,
      );
    }
    // A valid reference holds "@" only before its digest.
    if (settings.requireDigest && !step.image.includes('@')) {
      throw new ExecutionForbiddenError(
        path,
        `this engine runs only step images pinned to a digest; use "${step.image}@sha256:..."`,
      );
    }
  });
}

function ownerReferences(wfe: WorkflowExecution, namespace: string): V1OwnerReference[] {
  const { apiVersion, kind } = wfe;
  const { name, uid } = wfe.metadata;
  if (wfe.metadata.namespace !== namespace) {
    throw new ConfigurationError({
      path: 'metadata.namespace',
      message: `the Pod in namespace ${namespace} cannot be owned by an object in ${wfe.metadata.namespace}: owner references do not cross namespaces`,
    });
  }
  if (!apiVersion || !kind || !uid) {
    throw new ConfigurationError({
      path: !uid ? 'metadata.uid' : !apiVersion ? 'apiVersion' : 'kind',
      message: 'an owner reference needs the owner apiVersion, kind and uid',
    });
  }
  return [{ apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true }];
}

/**
 * The steps' scripts are the author's own code, so they hold no ServiceAccount token unless the
 * operator's `pod` setting says so: not the default runner's, nor that of a ServiceAccount the
 * execution names. The controller's policy lets an execution run as it, which on the other
 * engines means an operator's bundle holds its token; only the admission policy, which a
 * cluster may not install, checks that the author may mint its tokens themselves.
 */
function serviceAccountToken(
  pod: PodSettings | undefined,
): Pick<V1PodSpec, 'automountServiceAccountToken'> {
  if (pod?.automountServiceAccountToken !== undefined) return {};
  return { automountServiceAccountToken: false };
}

/**
 * Refuses any dependency unless the operator lets the steps hold them (`mountDependencies`):
 * mounted into a step, a Secret or ConfigMap is the author's to read, and neither its opt-in to
 * the namespace nor the operator's catalog says the author may read it. The issue names the
 * spec's field that listed them, or the catalog when the spec listed none.
 */
function refuseDependencies(
  wfe: WorkflowExecution,
  dependencies: Dependencies | undefined,
  settings: PodEngineSettings,
): void {
  if (settings.mountDependencies || !listsDependencies(dependencies)) return;
  const named = [
    ...(dependencies?.secrets ?? []).map((s) => `Secret ${s.name}`),
    ...(dependencies?.configMaps ?? []).map((c) => `ConfigMap ${c.name}`),
  ].join(', ');
  const why = `the pod engine runs the steps of the execution, its author's own scripts, which would read every Secret and ConfigMap mounted into them, so it mounts none unless its operator sets mountDependencies for steps they trust; run a workflow that needs them on an engine that runs an operator's bundle or template (job, tekton, ansible)`;
  const requested = requestedDependencies(wfe);
  throw new ConfigurationError(
    listsDependencies(requested.dependencies)
      ? { path: requested.path, message: `${why}, or remove ${named}` }
      : {
          path: '',
          message: `the controller's dependency catalog (resolveDependencies) named ${named} for workflow "${wfe.spec.workflowRef.workflowId}": ${why}`,
        },
  );
}

/** The execution's environment, then the step's own variables over it. */
function stepEnv(base: readonly EnvVar[], step: Step, homeInTmp: boolean) {
  const env = new Map(base.map((e) => [e.name, e.value]));
  for (const e of step.env ?? []) env.set(e.name, e.value);
  // A read-only root filesystem breaks most tools unless HOME and TMPDIR point at the writable
  // /tmp; a parameter or the step that sets either keeps its own value.
  for (const name of ['HOME', 'TMPDIR']) if (homeInTmp && !env.has(name)) env.set(name, '/tmp');
  return [...env].map(([name, value]) => ({ name, value: kubeletLiteral(value) }));
}

/**
 * The Pod that runs `wfe`'s steps: named for the lock, labelled for its owner, one container per
 * step running its script through `/bin/sh -e`. Sequential steps are init containers with the
 * last step as the main container, so the kubelet starts each only after the previous one
 * exited 0 and starts none after a failure; `parallel` makes every step a main container.
 * Pure: bad input, or a Pod too large for the API server to store with the status its kubelet
 * writes, throws ConfigurationError
 * (or ExecutionForbiddenError for an image the settings do not allow) before anything is sent.
 */
export function buildPod(
  wfe: WorkflowExecution,
  namespace: string,
  dependencies: Dependencies | undefined,
  settings: PodEngineSettings,
): V1Pod {
  const { conventions } = settings;
  const config = parsePodConfig(wfe.spec.workflowRef.engineConfig);
  checkImages(config.steps, settings);
  checkExecLimits(config.steps);
  refuseDependencies(wfe, dependencies, settings);
  const meta = executionMetadata(wfe, podEngine, conventions);
  const objectMeta = executionObjectMeta(wfe, namespace, meta, conventions);
  const mounts = dependencyMounts(dependencies, conventions);
  const env = parameterEnv(wfe.spec.targetResource, wfe.spec.parameters);
  const profile =
    settings.securityProfile === 'restricted' ? restrictedSecurityProfile() : undefined;
  const containerSecurity = { ...profile?.container, ...settings.containerSecurityContext };
  const podSecurity = { ...profile?.pod, ...settings.podSecurityContext };
  const writableTmp = containerSecurity.readOnlyRootFilesystem === true;
  const timeout = wfe.spec.executionConfig?.timeout
    ? podDeadlineSeconds(wfe.spec.executionConfig.timeout, 'spec.executionConfig.timeout')
    : settings.defaultTimeout !== undefined
      ? podDeadlineSeconds(settings.defaultTimeout, 'defaultTimeout')
      : undefined;
  const volumeMounts = [
    ...mounts.volumeMounts.map((m) => ({ ...m })),
    ...(writableTmp ? [{ name: tmpVolume, mountPath: '/tmp' }] : []),
  ];
  const volumes = [
    ...mounts.volumes.map((v) => ({ ...v })),
    ...(writableTmp ? [{ name: tmpVolume, emptyDir: {} }] : []),
  ];
  const sequential = config.parallel !== true;
  const asked = wfe.spec.workflowRef.resources;
  // A bare Pod gets the namespace's LimitRange defaults before the API server validates it.
  const podResources = executionResources(asked, settings.resources, { limitRangeDefaults: true });
  // Sequential steps run one at a time, so each may use all of the Pod's; parallel ones share.
  const resources = stepResources(podResources, sequential ? 1 : config.steps.length, asked);
  const containers: V1Container[] = config.steps.map((step) => ({
    name: step.name,
    image: step.image,
    // The script is shell text: `$$` is the shell's PID and `$(cmd)` a command substitution,
    // never the kubelet's variable references.
    command: [...stepShell, kubeletLiteral(step.script)],
    ...(step.workingDir ? { workingDir: step.workingDir } : {}),
    env: stepEnv(env, step, writableTmp),
    ...(resources ? { resources: structuredClone(resources) } : {}),
    ...(Object.keys(containerSecurity).length
      ? { securityContext: structuredClone(containerSecurity) }
      : {}),
    ...(volumeMounts.length ? { volumeMounts: volumeMounts.map((m) => ({ ...m })) } : {}),
  }));

  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...objectMeta,
      labels: { ...settings.podLabels, ...objectMeta.labels },
      annotations: { ...settings.podAnnotations, ...objectMeta.annotations },
      ...(settings.ownerReference ? { ownerReferences: ownerReferences(wfe, namespace) } : {}),
      ...(keepsResult(settings) ? { finalizers: [podResultFinalizer(settings.conventions)] } : {}),
    },
    spec: {
      ...profile?.podSpec,
      ...settings.pod,
      ...serviceAccountToken(settings.pod),
      restartPolicy: 'Never',
      serviceAccountName: requestedServiceAccount(wfe) ?? settings.serviceAccountName,
      ...(timeout !== undefined ? { activeDeadlineSeconds: timeout } : {}),
      ...(Object.keys(podSecurity).length ? { securityContext: podSecurity } : {}),
      ...(sequential && containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
      containers: sequential ? containers.slice(-1) : containers,
      ...(volumes.length ? { volumes } : {}),
    },
  };
  // Counted with the status its kubelet will write: the API server stores a Pod that fits without
  // it, and then refuses every status write that would show its steps starting or ending.
  checkObjectSize(
    { ...pod, status: kubeletStatus(pod) },
    "Pod with its kubelet's status",
    `${engineConfigPath}.steps`,
    `every one of the ${config.steps.length} steps carries the parameters and its script; use fewer steps or smaller parameter values and scripts`,
  );
  return pod;
}

/** The API server refuses a pod whose activeDeadlineSeconds exceeds an int32 (about 68 years). */
const maxPodDeadlineSeconds = 2_147_483_647;

/**
 * Seconds for a pod's activeDeadlineSeconds, from a Go duration the pod can carry; otherwise a
 * ConfigurationError naming `path`. A controller that takes the duration from a field of its
 * own checks it here too, so its author hears about that field, not the engine's.
 */
export function podDeadlineSeconds(timeout: string, path: string): number {
  const seconds = Math.ceil(parseTimeout(timeout, path) / 1000);
  if (seconds > maxPodDeadlineSeconds) {
    throw new ConfigurationError({
      path,
      message: `must be at most ${maxPodDeadlineSeconds}s (about 68 years), the longest deadline a pod can carry`,
    });
  }
  return seconds;
}
