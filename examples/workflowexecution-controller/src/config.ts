import { loadSettings, ResourceListSettingSchema } from '@roundhouse/controller';
import {
  ConfigurationError,
  type Conventions,
  type FieldIssue,
  goDurationPattern,
  isDns1123Subdomain,
  parseGoDuration,
} from '@roundhouse/core';
import {
  type EventMode,
  EventModeSchema,
  type ExecutionPolicyInput,
} from '@roundhouse/workflowexecution';
import { z } from 'zod';
import { logLevels, settingKeys, settings } from './flags.js';
import { type Preset, presets } from './presets.js';

const duration = z
  .string()
  .regex(goDurationPattern, { error: 'must be a Go duration such as "5m"' });
/** A duration that must be above zero: a bound of nothing would fail every operation. */
const positiveDuration = duration.refine((text) => (parseGoDuration(text) ?? 0) > 0, {
  error: 'must be a Go duration above zero such as "2m"',
});
/**
 * A duration of zero or more: a negative cooldown is a typo (kubernaut refuses it too) that
 * would hold no target at all, as 0 does on purpose.
 */
const nonNegativeDuration = duration.refine((text) => (parseGoDuration(text) ?? 0) >= 0, {
  error: 'must be a Go duration of zero or more such as "5m"',
});
const csv = z.string().transform((text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const bool = z.stringbool({ error: 'must be true or false' });

/** Every setting, as flag name -> environment variable -> schema. */
export const ConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  engines: csv.pipe(z.array(z.enum(['job', 'tekton', 'ansible', 'pod'])).min(1)),
  /** Absent: the preset's (see presets). */
  executionNamespace: z.string().min(1).optional(),
  watchNamespace: z.string().optional(),
  cooldown: nonNegativeDuration,
  lockPolicy: z.enum(['fail', 'wait']),
  conventions: z.enum(Object.keys(presets) as [Preset, ...Preset[]]),
  /** Absent: the preset's (see presets). */
  events: EventModeSchema.optional(),
  /** Absent: the preset's (see presets). Goes into the CRD's name and CEL literals. */
  apiGroup: z
    .string()
    .refine((group) => group.includes('.') && isDns1123Subdomain(group), {
      error: 'must be a DNS-1123 subdomain with a dot, e.g. kubernaut.ai',
    })
    .optional(),
  workers: z.coerce.number().int().min(1).max(64),
  reconcileTimeout: duration,
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
  awxOperationTimeout: positiveDuration,
  /** Empty: none, as `--allowed-bundles`; `*` allows every template the AWX user may execute. */
  awxAllowedJobTemplates: csv,
  /**
   * 0: a failed job's output stays in AWX. It goes into the execution's status and Event, which
   * every reader of the execution sees, while AWX shows it only to those who may read the job.
   */
  awxStdoutTailBytes: z.coerce.number().int().min(0).max(16_384),
  awxKubernetesApi: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
  awxKubernetesCaFile: z.string().min(1).optional(),
  allowedBundles: csv,
  allowedServiceAccounts: csv,
  /**
   * The images the pod engine's steps may run: they are what runs, and the policy's check of
   * the execution's bundle never sees them.
   */
  allowedImages: csv,
  requireDigest: bool,
  dependencyOptIn: z.string().min(1),
  /** Above zero: a deadline of nothing would fail every execution that sets no timeout. */
  defaultTimeout: positiveDuration,
  maxTimeout: positiveDuration,
  jobResourceLimits: ResourceListSettingSchema.optional(),
  podResourceLimits: ResourceListSettingSchema.optional(),
  podMountDependencies: bool,
  podServiceAccountToken: bool,
  clusterScopedKinds: csv,
  printAdmissionPolicy: bool,
});

/** The settings, the preset's defaults applied. */
export type Config = z.infer<typeof ConfigSchema> & {
  readonly executionNamespace: string;
  readonly events: EventMode;
  readonly apiGroup: string;
};

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
      defaults: Object.fromEntries(
        settingKeys.map((key) => [key, settings[key].default]),
      ) as Record<keyof Config, string | undefined>,
      envPrefix: 'ROUNDHOUSE',
      booleans: settingKeys.filter((key) => settings[key].value === undefined),
    },
    { argv, env },
  );
  const config: Config = {
    ...settled,
    executionNamespace:
      settled.executionNamespace ?? presets[settled.conventions].executionNamespace,
    events: settled.events ?? presets[settled.conventions].events,
    apiGroup: settled.apiGroup ?? presets[settled.conventions].apiGroup,
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
  const issues = [...leaseTimingIssues(config), ...deadlineIssues(config)];
  if (issues.length > 0) throw new ConfigurationError(issues);
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

/**
 * An execution that sets no timeout runs for `--default-timeout`, so a default past
 * `--max-timeout` would let every author outrun the ceiling by leaving the timeout out: the
 * ceiling bounds how long one execution may hold its target's lock and a runner.
 */
function deadlineIssues(config: Config): FieldIssue[] {
  const defaultMs = parseGoDuration(config.defaultTimeout) ?? 0;
  const maxMs = parseGoDuration(config.maxTimeout) ?? 0;
  return defaultMs > maxMs
    ? [
        {
          path: '--default-timeout',
          message: `must be at most --max-timeout (${config.maxTimeout}): an execution that sets no timeout runs this long, and none may ask for more than the ceiling; lower it or raise --max-timeout`,
        },
      ]
    : [];
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

/** The conventions `--conventions` names. */
export function conventionsOf(config: Config): Conventions {
  return presets[config.conventions].conventions;
}

/** The cooldown in milliseconds. */
export function cooldownMs(config: Config): number {
  return parseGoDuration(config.cooldown) ?? 0;
}

/** `--reconcile-timeout` in milliseconds. */
export function reconcileTimeoutMs(config: Config): number {
  return parseGoDuration(config.reconcileTimeout) ?? 0;
}

/** `--awx-operation-timeout` in milliseconds. */
export function awxOperationTimeoutMs(config: Config): number {
  return parseGoDuration(config.awxOperationTimeout) ?? 0;
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
