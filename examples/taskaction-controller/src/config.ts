import {
  type LeaderElection,
  loadSettings,
  ResourceListSettingSchema,
  settingsHelp,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  exactQuantity,
  goDurationPattern,
  parseGoDuration,
} from '@roundhouse/core';
import { z } from 'zod';
import { defaultMaxAttemptsPerNamespace } from './attempt-slots.js';
import { defaultMaxCacheEntriesPerNamespace } from './cache-bound.js';
import { PodAnnotationsSchema } from './pod-annotations.js';
import { defaultAttemptLimits } from './task-executor.js';
import { defaultAttemptTimeouts } from './timeout-policy.js';

const duration = z
  .string()
  .regex(goDurationPattern, { error: 'must be a Go duration such as "30m"' })
  .transform((text) => parseGoDuration(text) ?? 0);

/** An attempt's deadline: zero or less is none a Job can take. */
const timeout = z
  .string()
  .regex(goDurationPattern, { error: 'must be a Go duration such as "1h"' })
  .refine((text) => (parseGoDuration(text) ?? 0) > 0, { error: 'must be longer than 0s' });

/** `--job-resource-limits` that asks for no limits, explicitly. */
export const unbounded = 'none';

/**
 * Whether a quantity the schema took (apimachinery's grammar, never negative) is 0: its digits
 * before the suffix or exponent are, whatever the unit ("0m", "0Mi", "0.0", "0e3").
 */
function isZero(quantity: string): boolean {
  return exactQuantity(quantity)?.n === 0n;
}

/**
 * Every attempt's container limits: both cpu and memory, since one left out is one an author's
 * task may take all of; or `none`, said on purpose.
 */
const JobResourceLimitsSchema = z.union([
  z.literal(unbounded),
  ResourceListSettingSchema.refine(
    (limits) => limits.cpu !== undefined && limits.memory !== undefined,
    {
      error: `must limit both cpu and memory (such as cpu=1,memory=1Gi), or be ${unbounded} to let every author's task take all its node has`,
    },
  ).refine(
    // The kubelet sets no CFS quota and no memory limit for a limit of 0, so it limits nothing.
    (limits) => [limits.cpu, limits.memory].every((limit) => limit === undefined || !isZero(limit)),
    {
      error: `cpu and memory must be above 0: the kubelet takes a limit of 0 for none; write ${unbounded} to mean none`,
    },
  ),
]);

/**
 * Attempts of one TaskAction namespace in flight at once: at least 1, since a cap of 0 would
 * start no attempt ever (and a 0 meaning "off" would turn the protection off by a slip); no cap
 * is said on purpose, `none`.
 */
const maxAttemptsError = `must be a whole number of 1 or more (0 would start no attempt), or ${unbounded} for no cap`;
const MaxAttemptsPerNamespaceSchema = z.union(
  [
    z.literal(unbounded),
    z.coerce
      .number({ error: maxAttemptsError })
      .int({ error: maxAttemptsError })
      .min(1, { error: maxAttemptsError }),
  ],
  { error: maxAttemptsError },
);

/** Every setting, flag `--execution-namespace`, variable `TASKACTION_EXECUTION_NAMESPACE`. */
export const ConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  executionNamespace: z
    .string()
    .min(1)
    .describe(
      "where every attempt's Job runs, as its runner ServiceAccount, and the action cache lives (entry ConfigMaps, reservation Leases)",
    ),
  watchNamespace: z.string().optional(),
  /**
   * Comma-separated images tasks may run: exact, a prefix ending in `/*` or `:*`, or `*`.
   * Empty refuses every one, since attempts run as the execution namespace's runner.
   */
  allowedImages: z.string().transform((list) =>
    list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
  /** JSON-lines file the events go to ... */
  eventsFile: z.string().optional(),
  /** ... or the events service they are POSTed to. */
  eventsUrl: z.url().optional(),
  /** The deadline of an attempt whose task template sets no timeout. */
  defaultTimeout: timeout,
  /** The longest `taskTemplate.timeout` a task may set. */
  maxTimeout: timeout,
  /** Annotations on every attempt's pod (`key=value,...`), as Flyte's `default-annotations`. */
  podAnnotations: PodAnnotationsSchema.describe(
    'annotations on every attempt pod, comma-separated key=value',
  ),
  jobResourceLimits: JobResourceLimitsSchema.describe(
    `every attempt's container limits (cpu=1,memory=1Gi,ephemeral-storage=1Gi), cpu and memory among them; ${unbounded} for none`,
  ),
  maxSystemFailures: z.coerce.number().int().min(0).max(100),
  maxAttemptsPerNamespace: MaxAttemptsPerNamespaceSchema.describe(
    `attempts of one TaskAction namespace in flight at once; more wait Queued, first created first; ${unbounded} for no cap`,
  ),
  maxCacheEntriesPerNamespace: z.coerce
    .number()
    .int()
    .min(1)
    .describe(
      "action cache entries one TaskAction namespace keeps in the execution namespace; storing one more deletes that namespace's oldest",
    ),
  workers: z.coerce.number().int().min(1).max(512),
  /** Finished TaskActions are deleted this long after they finished; "0s" at the next sweep. */
  gcTtl: duration,
  gcInterval: duration.pipe(z.number().positive({ error: 'must be longer than 0s' })),
  /** A running action is looked at again this often, besides on every change to its Job. */
  requeueDuration: duration.pipe(z.number().positive({ error: 'must be longer than 0s' })),
  healthPort: z.coerce.number().int().min(0).max(65535),
  leaderElect: z
    .stringbool({ error: 'must be true or false' })
    .describe('run one active replica, elected on a Lease; the others stand by, ready'),
  leaderElectionNamespace: z
    .string()
    .min(1)
    .optional()
    .describe('namespace of the Lease; unset, the --execution-namespace'),
});

export type Config = z.infer<typeof ConfigSchema>;

const defaults: Record<keyof Config, string | undefined> = {
  kubeconfig: undefined,
  executionNamespace: 'roundhouse-tasks',
  watchNamespace: undefined,
  allowedImages: '',
  eventsFile: undefined,
  eventsUrl: undefined,
  defaultTimeout: defaultAttemptTimeouts.defaultTimeout,
  maxTimeout: defaultAttemptTimeouts.maxTimeout,
  podAnnotations: '',
  jobResourceLimits: Object.entries(defaultAttemptLimits)
    .map(([name, quantity]) => `${name}=${quantity}`)
    .join(','),
  maxSystemFailures: '3',
  maxAttemptsPerNamespace: String(defaultMaxAttemptsPerNamespace),
  maxCacheEntriesPerNamespace: String(defaultMaxCacheEntriesPerNamespace),
  workers: '16',
  gcTtl: '1h',
  gcInterval: '30m',
  requeueDuration: '10s',
  healthPort: '8080',
  leaderElect: 'false',
  leaderElectionNamespace: undefined,
};

const settings = {
  schema: ConfigSchema,
  defaults,
  envPrefix: 'TASKACTION',
  booleans: ['leaderElect' as const],
};

/** The Lease replicas elect their leader on, one name per controller. */
export const leaseName = 'roundhouse-taskaction-controller';

/** The `--help` text: every flag, read by `loadConfig`'s rules. */
export function configHelp(program: string): string {
  return settingsHelp(program, settings);
}

/**
 * Reads the configuration from flags, then `TASKACTION_*` variables (and `KUBECONFIG`), then
 * defaults. A bad value is a ConfigurationError naming the flag.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const config = loadSettings(settings, { argv, env });
  if ((config.eventsFile === undefined) === (config.eventsUrl === undefined)) {
    throw new ConfigurationError({
      path: '--events-file',
      message: 'name exactly one event sink: --events-file or --events-url',
    });
  }
  return config;
}

/** The container resources of every attempt's Job, from `--job-resource-limits`. */
export function attemptResourcesOf(config: Pick<Config, 'jobResourceLimits'>): {
  limits?: Record<string, string> | undefined;
} {
  return config.jobResourceLimits === unbounded ? {} : { limits: config.jobResourceLimits };
}

/** The Lease `--leader-elect` leads on; none without it. */
export function leaderElectionOf(config: Config): LeaderElection | undefined {
  if (!config.leaderElect) return undefined;
  return {
    namespace: config.leaderElectionNamespace ?? config.executionNamespace,
    name: leaseName,
  };
}
