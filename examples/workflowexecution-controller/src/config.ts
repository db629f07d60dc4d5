import { flagName, loadSettings, ResourceListSettingSchema } from '@roundhouse/controller';
import {
  ConfigurationError,
  type Conventions,
  type FieldIssue,
  goDurationPattern,
  kubernautConventions,
  parseGoDuration,
  roundhouseConventions,
} from '@roundhouse/core';
import {
  type EventMode,
  EventModeSchema,
  type ExecutionPolicyInput,
} from '@roundhouse/workflowexecution';
import { z } from 'zod';

const duration = z
  .string()
  .regex(goDurationPattern, { error: 'must be a Go duration such as "5m"' });
const csv = z.string().transform((text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const bool = z.stringbool({ error: 'must be true or false' });

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * What `--conventions` picks, in one place: the labels and paths the engines stamp (the default
 * runner ServiceAccount among them), the execution namespace when `--execution-namespace`
 * names none, kubernaut's own default under its preset (its config.go), so a controller taking
 * over from kubernaut's finds its Jobs and PipelineRuns where kubernaut's left them, and the
 * Events when `--events` names none: kubernaut's at every step under its preset, since its
 * tests and tools look for them.
 */
export const presets = {
  roundhouse: {
    conventions: roundhouseConventions,
    executionNamespace: 'roundhouse-workflows',
    events: 'outcome',
  },
  kubernaut: {
    conventions: kubernautConventions,
    executionNamespace: 'kubernaut-workflows',
    events: 'lifecycle',
  },
} as const satisfies Record<
  string,
  {
    readonly conventions: Conventions;
    readonly executionNamespace: string;
    readonly events: EventMode;
  }
>;

export type Preset = keyof typeof presets;

/** Every setting, as flag name -> environment variable -> schema. */
export const ConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  engines: csv.pipe(z.array(z.enum(['job', 'tekton', 'ansible'])).min(1)),
  /** Absent: the preset's (see presets). */
  executionNamespace: z.string().min(1).optional(),
  watchNamespace: z.string().optional(),
  cooldown: duration,
  lockPolicy: z.enum(['fail', 'wait']),
  conventions: z.enum(Object.keys(presets) as [Preset, ...Preset[]]),
  /** Absent: the preset's (see presets). */
  events: EventModeSchema.optional(),
  workers: z.coerce.number().int().min(1).max(64),
  healthPort: z.coerce.number().int().min(0).max(65535),
  healthHost: z.string(),
  leaderElect: bool,
  leaderElectionNamespace: z.string().min(1).optional(),
  leaderElectLeaseDuration: duration,
  leaderElectRenewDeadline: duration,
  leaderElectRetryPeriod: duration,
  logLevel: z.enum(logLevels),
  awxUrl: z.url().optional(),
  awxApiPrefix: z.string().startsWith('/').endsWith('/'),
  awxOrganization: z.string().min(1).optional(),
  /** `namespace/name[:key]` of the Secret holding the AWX token; key defaults to `token`. */
  awxTokenSecret: z
    .string()
    .regex(/^[a-z0-9.-]+\/[a-z0-9.-]+(:[-._a-zA-Z0-9]+)?$/, {
      error: 'must be namespace/name[:key]',
    })
    .optional(),
  awxCaFile: z.string().optional(),
  awxInsecureSkipTlsVerify: bool,
  awxLaunchCommitWindow: duration,
  awxAllowedJobTemplates: csv.optional(),
  awxKubernetesApi: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
  awxKubernetesCaFile: z.string().min(1).optional(),
  allowedBundles: csv,
  allowedServiceAccounts: csv,
  requireDigest: bool,
  dependencyOptIn: z.string().min(1),
  defaultTimeout: duration,
  maxTimeout: duration,
  jobResourceLimits: ResourceListSettingSchema.optional(),
  clusterScopedKinds: csv,
  printAdmissionPolicy: bool,
});

/** The settings, the preset's defaults applied. */
export type Config = z.infer<typeof ConfigSchema> & {
  readonly executionNamespace: string;
  readonly events: EventMode;
};

interface Setting {
  /** The value when neither the flag nor its environment variable is given. */
  readonly default?: string;
  /** What `--help` shows for the value, e.g. `DURATION`; none for a boolean flag. */
  readonly value?: string;
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
    help: 'engines to enable: job, tekton, ansible (ansible needs --awx-url, --awx-token-secret)',
  },
  executionNamespace: {
    value: 'NAMESPACE',
    help: `where Jobs and PipelineRuns are created (default ${presets.roundhouse.executionNamespace}; ${presets.kubernaut.executionNamespace} with --conventions kubernaut)`,
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
  workers: { default: '4', value: 'N', help: 'concurrent reconciles (1-64)' },
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
  awxAllowedJobTemplates: {
    value: 'LIST',
    help: 'job templates executions may launch (restart-*, exact names); default every one the AWX user may execute',
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
  requireDigest: { default: 'false', help: 'refuse bundles not pinned to a digest' },
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

const keys = Object.keys(settings) as (keyof Config)[];

export type CommandLine =
  | { readonly help: true }
  | { readonly help: false; readonly config: Config };

/**
 * Reads the configuration from flags (`--cooldown=5m` or `--cooldown 5m`), then environment
 * variables (`ROUNDHOUSE_COOLDOWN`; `KUBECONFIG` too), then defaults. A boolean flag works bare
 * (`--leader-elect`) or with a value (`--leader-elect=false`). Bad flags are one
 * ConfigurationError naming each; `--help` (or `-h`) asks for the usage instead.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const settled = loadSettings(
    {
      schema: ConfigSchema,
      defaults: Object.fromEntries(keys.map((key) => [key, settings[key].default])) as Record<
        keyof Config,
        string | undefined
      >,
      envPrefix: 'ROUNDHOUSE',
      booleans: keys.filter((key) => settings[key].value === undefined),
    },
    { argv, env },
  );
  const config: Config = {
    ...settled,
    executionNamespace:
      settled.executionNamespace ?? presets[settled.conventions].executionNamespace,
    events: settled.events ?? presets[settled.conventions].events,
  };
  if (config.engines.includes('ansible') && !(config.awxUrl && config.awxTokenSecret)) {
    throw new ConfigurationError({
      path: '--engines',
      message:
        'the ansible engine needs --awx-url and --awx-token-secret (or drop it from --engines)',
    });
  }
  if (config.awxKubernetesApi && !config.awxKubernetesCaFile) {
    throw new ConfigurationError({
      path: '--awx-kubernetes-api',
      message:
        'needs --awx-kubernetes-ca-file: without a CA AWX sends the token without verifying the API server',
    });
  }
  const timings = leaseTimingIssues(config);
  if (timings.length > 0) throw new ConfigurationError(timings);
  return { help: false, config };
}

/**
 * client-go's rules for the lease timings (NewLeaderElector's), checked here so that the flag
 * at fault is named: the Lease stores its duration in whole seconds, a standby must not take it
 * over while the leader may still be renewing, and a renewal must be retried at least once
 * before the deadline, allowing for the retry's jitter.
 */
function leaseTimingIssues(config: Config): FieldIssue[] {
  const lease = parseGoDuration(config.leaderElectLeaseDuration) ?? 0;
  const renew = parseGoDuration(config.leaderElectRenewDeadline) ?? 0;
  const retry = parseGoDuration(config.leaderElectRetryPeriod) ?? 0;
  const issues: FieldIssue[] = [];
  if (!(lease >= 1000 && lease % 1000 === 0))
    issues.push({
      path: '--leader-elect-lease-duration',
      message: 'must be a whole number of seconds, at least 1s',
    });
  if (!(renew < lease))
    issues.push({
      path: '--leader-elect-renew-deadline',
      message: `must be less than --leader-elect-lease-duration (${config.leaderElectLeaseDuration})`,
    });
  if (!(retry > 0 && retry * 1.2 < renew))
    issues.push({
      path: '--leader-elect-retry-period',
      message: `must be more than 0, and 1.2 times it less than --leader-elect-renew-deadline (${config.leaderElectRenewDeadline})`,
    });
  return issues;
}

/** The elector's timings in seconds, as `--leader-elect-*` give them. */
export function leaseTimings(config: Config): {
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
} {
  return {
    leaseDurationSeconds: (parseGoDuration(config.leaderElectLeaseDuration) ?? 0) / 1000,
    renewDeadlineSeconds: (parseGoDuration(config.leaderElectRenewDeadline) ?? 0) / 1000,
    retryPeriodSeconds: (parseGoDuration(config.leaderElectRetryPeriod) ?? 0) / 1000,
  };
}

/** The `--help` text: every flag, its environment variable and its default. */
export function helpText(program: string): string {
  const rows = keys.map((key) => {
    const { value, help } = settings[key];
    const fallback = settings[key].default;
    const shown = fallback === undefined || fallback === '' ? '' : ` (default ${fallback})`;
    return [`--${flagName(key)}${value ? `=${value}` : ''}`, `${help}${shown}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    `Usage: ${program} [flags]`,
    '',
    'Runs WorkflowExecutions (roundhouse.dev/v1alpha1) on the job, tekton and ansible engines.',
    'Every flag can be set as an environment variable instead: --cooldown as ROUNDHOUSE_COOLDOWN.',
    'Boolean flags work bare (--leader-elect) or with a value (--leader-elect=false).',
    '',
    ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`),
    `  ${'--help, -h'.padEnd(width)}this text`,
    '',
  ].join('\n');
}

/** The conventions `--conventions` names. */
export function conventionsOf(config: Config): Conventions {
  return presets[config.conventions].conventions;
}

/** The cooldown in milliseconds. */
export function cooldownMs(config: Config): number {
  return parseGoDuration(config.cooldown) ?? 0;
}

/** `--awx-launch-commit-window` in milliseconds. */
export function launchCommitWindowMs(config: Config): number {
  return parseGoDuration(config.awxLaunchCommitWindow) ?? 0;
}

/** The execution policy the flags describe. */
export function executionPolicy(config: Config): ExecutionPolicyInput {
  return {
    bundles: config.allowedBundles,
    serviceAccounts: config.allowedServiceAccounts,
    requireDigest: config.requireDigest,
    maxTimeoutMs: parseGoDuration(config.maxTimeout) ?? 0,
    dependencyOptIn:
      config.dependencyOptIn === 'false' ? false : { annotation: config.dependencyOptIn },
  };
}
