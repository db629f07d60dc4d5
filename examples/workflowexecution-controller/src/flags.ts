import { flagName } from '@roundhouse/controller';
import type { Config } from './config.js';
import { presets } from './presets.js';

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

interface Setting {
  /** The value when neither the flag nor its environment variable is given. */
  readonly default?: string | undefined;
  /** What `--help` shows for the value, e.g. `DURATION`; none for a boolean flag. */
  readonly value?: string | undefined;
  readonly help: string;
}

/** Every flag: its default, and its line in `--help` (the README's table says the same). */
export const settings: Readonly<Record<keyof Config, Setting>> = {
  kubeconfig: {
    value: 'PATH',
    help: 'kubeconfig file; default $KUBECONFIG, then ~/.kube/config, then the pod ServiceAccount',
  },
  engines: {
    default: 'job',
    value: 'LIST',
    help: 'engines to enable: job, tekton, ansible, pod (ansible needs --awx-url, --awx-token-secret; pod runs only --allowed-images)',
  },
  executionNamespace: {
    value: 'NAMESPACE',
    help: `where Jobs, PipelineRuns and Pods are created (default ${presets.roundhouse.executionNamespace}; ${presets.kubernaut.executionNamespace} with --conventions kubernaut)`,
  },
  watchNamespace: { value: 'NAMESPACE', help: 'reconcile executions of this namespace only' },
  cooldown: {
    default: '5m',
    value: 'DURATION',
    help: 'how long a target stays locked after an execution finished',
  },
  lockPolicy: {
    default: 'fail',
    value: 'fail|wait',
    help: 'fail a second execution on a busy target, or wait in Pending',
  },
  conventions: {
    default: 'roundhouse',
    value: 'roundhouse|kubernaut',
    help: 'labels and paths; kubernaut shares resources with a kubernaut controller',
  },
  events: {
    value: 'outcome|lifecycle',
    help: `Events recorded on executions: outcome, one at the end (WorkflowFailed, LockReleased); lifecycle, kubernaut's at every step too (WorkflowValidated, ExecutionCreated, PhaseTransition, WorkflowCompleted, ...), one request each (default ${presets.roundhouse.events}; ${presets.kubernaut.events} with --conventions kubernaut)`,
  },
  apiGroup: {
    value: 'GROUP',
    help: `API group of the WorkflowExecutions served, v1alpha1; kubernaut.ai serves kubernaut's CRD and finalizer (default ${presets.roundhouse.apiGroup}; ${presets.kubernaut.apiGroup} with --conventions kubernaut)`,
  },
  workers: { default: '4', value: 'N', help: 'concurrent reconciles (1-64)' },
  reconcileTimeout: {
    default: '10m',
    value: 'DURATION',
    help: 'how long one reconcile may run before it is aborted and retried with backoff; 0s for no bound',
  },
  healthPort: {
    default: '8080',
    value: 'PORT',
    help: 'port of /metrics, /healthz and /readyz (0 picks one)',
  },
  healthHost: { default: '0.0.0.0', value: 'ADDRESS', help: 'interface the port listens on' },
  leaderElect: {
    default: 'false',
    help: 'run one active replica, elected on a Lease; the others stand by, ready',
  },
  leaderElectionNamespace: {
    value: 'NAMESPACE',
    help: 'namespace of the Lease; default the execution namespace',
  },
  leaderElectLeaseDuration: {
    default: '15s',
    value: 'DURATION',
    help: 'how long standbys wait after the last renewal before taking the Lease over (whole seconds)',
  },
  leaderElectRenewDeadline: {
    default: '10s',
    value: 'DURATION',
    help: 'how long the leader tries to renew before it stops reconciling; less than the lease duration',
  },
  leaderElectRetryPeriod: {
    default: '2s',
    value: 'DURATION',
    help: 'pause between attempts to take or renew the Lease; 1.2 times it less than the renew deadline',
  },
  logLevel: {
    default: 'info',
    value: 'LEVEL',
    help: `least severe level logged: ${logLevels.join(', ')}`,
  },
  awxUrl: { value: 'URL', help: 'AWX or AAP controller, e.g. https://awx.example.com' },
  awxApiPrefix: {
    default: '/api/v2/',
    value: 'PATH',
    help: 'AWX API root; /api/controller/v2/ for AAP 2.5 and later',
  },
  awxOrganization: {
    value: 'NAME',
    help: 'AWX organization the ephemeral credentials are created in; default id 1 (Default)',
  },
  awxTokenSecret: {
    value: 'NS/NAME[:KEY]',
    help: 'Secret holding the AWX token (key "token" unless given)',
  },
  awxCaFile: { value: 'PATH', help: 'CA bundle AWX is verified with' },
  awxInsecureSkipTlsVerify: { default: 'false', help: 'do not verify AWX TLS (tests only)' },
  awxLaunchCommitWindow: {
    default: '5m',
    value: 'DURATION',
    help: 'how long a launch whose answer was lost may still become an AWX job; no second launch before',
  },
  awxOperationTimeout: {
    default: '2m',
    value: 'DURATION',
    help: 'how long one AWX operation (a start, a status read, a cleanup) may take, pages and retries included',
  },
  awxAllowedJobTemplates: {
    default: '',
    value: 'LIST',
    help: 'job templates executions may launch (restart-*, exact names, * for every one the AWX user may execute); none by default',
  },
  awxStdoutTailBytes: {
    default: '0',
    value: 'BYTES',
    help: "how much of a failed AWX job's output goes into the execution's status message and WorkflowFailed Event (0-16384): every reader of the execution, or of Events in its namespace, then reads what the job printed (a template's own credentials too), which AWX shows only to users who may read the job; 0 keeps it in AWX",
  },
  awxKubernetesApi: {
    value: 'URL',
    help: "API server AWX jobs reach the cluster at, as the execution's ServiceAccount (a token per job); needs --awx-kubernetes-ca-file",
  },
  awxKubernetesCaFile: {
    value: 'PATH',
    help: 'CA bundle AWX jobs verify --awx-kubernetes-api with',
  },
  allowedBundles: {
    default: '',
    value: 'LIST',
    help: 'bundle sources executions may run (registry.example.com/team/*, *); none by default',
  },
  allowedServiceAccounts: {
    default: '',
    value: 'LIST',
    help: 'ServiceAccounts executions may name besides the default runner',
  },
  allowedImages: {
    default: '',
    value: 'LIST',
    help: "images the pod engine's steps may run (registry.example.com/team/*, repository:*, *); none by default. A pod execution's bundle must pass --allowed-bundles as well",
  },
  requireDigest: {
    default: 'false',
    help: "refuse bundles not pinned to a digest, and the pod engine's step images too",
  },
  dependencyOptIn: {
    default: 'roundhouse.dev/allowed-namespaces',
    value: 'ANNOTATION',
    help: 'annotation a dependency must carry to be used, or "false" for no opt-in',
  },
  defaultTimeout: {
    default: '1h',
    value: 'DURATION',
    help: 'deadline of executions without executionConfig.timeout',
  },
  maxTimeout: {
    default: '24h',
    value: 'DURATION',
    help: 'longest executionConfig.timeout (or spec.timesOutAt from now) an execution may ask for',
  },
  jobResourceLimits: {
    value: 'LIST',
    help: "limits of every Job's workflow container (cpu=2,memory=1Gi); workflowRef.resources may ask for less, never more, and only for the resources listed",
  },
  podResourceLimits: {
    value: 'LIST',
    help: 'limits of every pod engine Pod (cpu=2,memory=1Gi): each step in order gets them whole, parallel steps share them equally; workflowRef.resources may ask for less, never more, and only for the resources listed',
  },
  podMountDependencies: {
    default: 'false',
    help: "mount an execution's Secrets and ConfigMaps into the pod engine's steps; without it an execution with any fails. The steps are the execution author's own scripts: every author of a watched namespace reads what is mounted",
  },
  podServiceAccountToken: {
    default: 'false',
    help: "mount the ServiceAccount token into the pod engine's steps, the default runner's or the one an execution names. The steps are the execution author's own scripts: every author of a watched namespace acts as that ServiceAccount",
  },
  clusterScopedKinds: {
    default: '',
    value: 'LIST',
    help: 'cluster-scoped custom kinds targets may name (GatewayClass,gatewayclasses): for --print-admission-policy, which cannot ask discovery; the lock check learns scopes from discovery and counts these cluster-scoped too',
  },
  printAdmissionPolicy: {
    default: 'false',
    help: 'print the admission policy for --execution-namespace and --cluster-scoped-kinds (JSON, for kubectl apply -f -) and exit',
  },
};

/** Every setting's key, in the order `--help` lists them. */
export const settingKeys = Object.keys(settings) as (keyof Config)[];

/** The `--help` text: every flag, its environment variable and its default. */
export function helpText(program: string): string {
  const rows = settingKeys.map((key) => {
    const { value, help } = settings[key];
    const fallback = settings[key].default;
    const shown = fallback === undefined || fallback === '' ? '' : ` (default ${fallback})`;
    return [`--${flagName(key)}${value ? `=${value}` : ''}`, `${help}${shown}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    `Usage: ${program} [flags]`,
    '',
    'Runs WorkflowExecutions (v1alpha1, of --api-group) on the job, tekton, ansible and pod engines.',
    'Every flag can be set as an environment variable instead: --cooldown as ROUNDHOUSE_COOLDOWN.',
    'Boolean flags work bare (--leader-elect) or with a value (--leader-elect=false).',
    '',
    ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`),
    `  ${'--help, -h'.padEnd(width)}this text`,
    '',
  ].join('\n');
}
