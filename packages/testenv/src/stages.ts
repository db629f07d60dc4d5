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
} as const;

export interface MatchExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** The part of KWOK's `kwok.x-k8s.io/v1alpha1` Stage this package uses. */
export interface Stage {
  apiVersion: 'kwok.x-k8s.io/v1alpha1';
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: 'v1'; kind: 'Node' | 'Pod' };
    selector: { matchExpressions: MatchExpression[] };
    delay?: { durationMilliseconds: number; durationFrom: { expressionFrom: string } };
    next: { statusTemplate?: string; delete?: boolean };
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
    `((.metadata.annotations // {}) | has("${podControls.exitCode}") or has("${podControls.runSeconds}"))`,
  operator: 'In',
  values: ['true'],
};

/** Absent and "0" both mean success; the two finishing stages split on this key so only one applies. */
const exitCodeKey = `${annotation(podControls.exitCode)} // "0"`;

/** Seconds from the annotation as a Go duration; nothing (no delay) when it is absent. */
const runDelay = {
  durationMilliseconds: 0,
  durationFrom: { expressionFrom: `(${annotation(podControls.runSeconds)} // empty) + "s"` },
};

const terminatedTemplate = (
  exitCode: string,
  reason: string,
  podPhase: string,
) => `{{ $now := Now }}
{{ $started := or .status.startTime $now }}
{{ $code := ${exitCode} }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: {{ $code }}
      reason: ${reason}
      startedAt: {{ $started | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: ${podPhase}
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

const podSucceed: Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'pod-succeed' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: {
      matchExpressions: [
        notDeleting,
        phase('Running'),
        finishes,
        { key: exitCodeKey, operator: 'In', values: ['0'] },
      ],
    },
    delay: runDelay,
    next: { statusTemplate: terminatedTemplate('0', 'Completed', 'Succeeded') },
  },
};

const podFail: Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'pod-fail' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: {
      matchExpressions: [
        notDeleting,
        phase('Running'),
        finishes,
        { key: exitCodeKey, operator: 'NotIn', values: ['0'] },
      ],
    },
    delay: runDelay,
    next: {
      statusTemplate: terminatedTemplate(
        `index .metadata.annotations "${podControls.exitCode}" | atoi`,
        'Error',
        'Failed',
      ),
    },
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
  return [nodeInitialize, podReady, podSucceed, podFail, podDelete];
}

export function stagesYaml(): string {
  return stages()
    .map((s) => stringify(s, { lineWidth: 0 }))
    .join('---\n');
}
