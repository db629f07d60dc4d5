import { stringify } from 'yaml';

/**
 * Pod annotations that steer what the fake node does with a pod. Put them on a Job's pod template
 * and every pod of the Job carries them.
 */
export const podControls = {
  /** Integer 1-255: every container terminates with this code (reason `Error`), phase `Failed`. */
  exitCode: 'roundhouse.dev/testenv-exit-code',
  /** Seconds (decimals allowed) a pod stays Running before it finishes. Default: finishes at once. */
  runSeconds: 'roundhouse.dev/testenv-run-seconds',
  /**
   * JSON object from container name to a ContainerOutcome: each container's own exit code, run
   * time and termination message (see containerOutcomes). Wins over `exitCode` for the
   * containers it names; without `runSeconds` the pod runs as long as its containers together.
   */
  containers: 'roundhouse.dev/testenv-containers',
} as const;

/** How one container of a pod on the fake node ends. */
export interface ContainerOutcome {
  /** Default 0, or the pod's `exitCode` annotation. */
  readonly exitCode?: number | undefined;
  /** Seconds it runs, after the containers before it in the pod spec; default 0. */
  readonly runSeconds?: number | undefined;
  /** Its termination message, where e.g. Tekton reads step results. */
  readonly message?: string | undefined;
}

/** The `podControls.containers` annotation's value for these outcomes, by container name. */
export function containerOutcomes(
  outcomes: Readonly<Record<string, ContainerOutcome>>,
): Record<string, string> {
  return { [podControls.containers]: JSON.stringify(outcomes) };
}

export interface MatchExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[] | undefined;
}

/** The part of KWOK's `kwok.x-k8s.io/v1alpha1` Stage this package uses. */
export interface Stage {
  apiVersion: 'kwok.x-k8s.io/v1alpha1';
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: 'v1'; kind: 'Node' | 'Pod' };
    selector: { matchExpressions: MatchExpression[] };
    delay?: { durationMilliseconds: number; durationFrom: { expressionFrom: string } } | undefined;
    next: { statusTemplate?: string | undefined; delete?: boolean | undefined };
  };
}

const annotation = (name: string) => `.metadata.annotations["${name}"]`;

const notDeleting: MatchExpression = {
  key: '.metadata.deletionTimestamp',
  operator: 'DoesNotExist',
};
const phase = (value: string): MatchExpression => ({
  key: '.status.phase',
  operator: 'In',
  values: [value],
});

/**
 * Pods that finish on their own: those of a Job (like KWOK's own stages), and any pod that carries
 * a control annotation, so a test can finish a bare pod too. Other pods run until deleted.
 */
const finishes: MatchExpression = {
  key:
    '((.metadata.ownerReferences // []) | any(.kind == "Job")) or ' +
    `((.metadata.annotations // {}) | has("${podControls.exitCode}") or has("${podControls.runSeconds}") or has("${podControls.containers}"))`,
  operator: 'In',
  values: ['true'],
};

/**
 * The pod's run time as a Go duration: the run-seconds annotation, else the containers' own run
 * times added up (they run one after another, as Tekton's steps do), else nothing.
 */
const runDelay = {
  durationMilliseconds: 0,
  durationFrom: {
    expressionFrom:
      `(${annotation(podControls.runSeconds)} // ` +
      `((${annotation(podControls.containers)} // "{}") | fromjson | [.[] | .runSeconds // 0] | add // 0 | tostring)) + "s"`,
  },
};

const rfc3339 = '"2006-01-02T15:04:05Z07:00"';

/**
 * Every container terminates: with its own outcome from the containers annotation, else the pod's
 * exit code annotation, else 0. Containers run one after another from the pod's start, each for
 * its runSeconds (one without runs until now). The pod fails when any container exited non-zero.
 */
const finishedTemplate = `{{ $now := Now }}
{{ $annotations := or .metadata.annotations dict }}
{{ $default := index $annotations "${podControls.exitCode}" | default "0" | atoi }}
{{ $outcomes := index $annotations "${podControls.containers}" | default "{}" | fromJson }}
{{ $at := toDate ${rfc3339} (or .status.startTime $now) }}
{{ $phase := "Succeeded" }}
containerStatuses:
{{ range .spec.containers }}
{{ $outcome := get $outcomes .name | default dict }}
{{ $code := $default }}
{{ if hasKey $outcome "exitCode" }}{{ $code = int $outcome.exitCode }}{{ end }}
{{ if ne $code 0 }}{{ $phase = "Failed" }}{{ end }}
{{ $end := toDate ${rfc3339} $now }}
{{ if hasKey $outcome "runSeconds" }}{{ $end = dateModify (printf "+%vs" $outcome.runSeconds) $at }}{{ end }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: {{ $code }}
      reason: {{ if eq $code 0 }}Completed{{ else }}Error{{ end }}
      {{ with $outcome.message }}message: {{ . | Quote }}{{ end }}
      startedAt: {{ dateInZone ${rfc3339} $at "UTC" | Quote }}
      finishedAt: {{ dateInZone ${rfc3339} $end "UTC" | Quote }}
{{ $at = $end }}
{{ end }}
phase: {{ $phase }}
`;

const nodeInitialize: Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'node-initialize' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Node' },
    selector: {
      matchExpressions: [
        {
          key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
          operator: 'NotIn',
          values: ['True'],
        },
      ],
    },
    next: {
      statusTemplate: `{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
addresses:
- address: {{ NodeIP | Quote }}
  type: InternalIP
- address: {{ NodeName | Quote }}
  type: Hostname
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ printf "kwok-%s" Version | Quote }}
  containerRuntimeVersion: {{ printf "kwok-%s" Version | Quote }}
phase: Running
`,
    },
  },
};

const podReady: Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'pod-ready' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: {
      matchExpressions: [
        notDeleting,
        phase('Pending'),
        {
          key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
          operator: 'NotIn',
          values: ['True'],
        },
      ],
    },
    next: {
      statusTemplate: `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Running
startTime: {{ $now | Quote }}
`,
    },
  },
};

const podFinish: Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'pod-finish' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: { matchExpressions: [notDeleting, phase('Running'), finishes] },
    delay: runDelay,
    next: { statusTemplate: finishedTemplate },
  },
};

const podDelete: Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'pod-delete' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: { matchExpressions: [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }] },
    next: { delete: true },
  },
};

/**
 * KWOK's stages for one fake node: it becomes Ready, its pods start, Job pods and annotated pods
 * finish (see podControls), and deleted pods go away. KWOK 0.8 ships no built-in stages.
 */
export function stages(): Stage[] {
  return [nodeInitialize, podReady, podFinish, podDelete];
}

export function stagesYaml(): string {
  return stages()
    .map((s) => stringify(s, { lineWidth: 0 }))
    .join('---\n');
}
