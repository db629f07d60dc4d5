import {
  flagName,
  type LeaderElection,
  loadSettings,
  ResourceListSettingSchema,
  type SettingsOptions,
  settingsHelp,
} from '@roundhouse/controller';
import { ConfigurationError, goDurationPattern, parseGoDuration } from '@roundhouse/core';
import { goBoolean, normalizeGoFlags } from '@roundhouse/process';
import { z } from 'zod';
import { TolerationListSettingSchema } from './jobs/tolerations.js';
import { imageReference } from './spec.js';

const duration = z
  .string()
  .regex(goDurationPattern, { error: 'must be a Go duration such as "1s"' })
  .transform((text) => parseGoDuration(text) ?? 0)
  .pipe(z.number().positive({ error: 'must be longer than 0s' }));

/** A comma-separated list, its entries trimmed and empty ones dropped. */
const list = z.string().transform((text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** A boolean as Go's flag package reads one: `true`, `1`, `t`, `TRUE` and the like. */
const bool = z
  .string()
  .transform(goBoolean)
  .pipe(z.enum(['true', 'false'], { error: 'must be true or false' }))
  .transform((text) => text === 'true');

/** `--job-resource-limits` that asks for no limits, explicitly. */
export const unbounded = 'none';

const BoundedLimitsSchema = ResourceListSettingSchema.refine(
  (limits) => limits.cpu !== undefined && limits.memory !== undefined,
  { error: `must limit both cpu and memory (such as cpu=500m,memory=256Mi), or be ${unbounded}` },
);

const common = {
  kubeconfig: z.string().optional(),
  /** Watch DistExecs in one namespace only; default every namespace. */
  watchNamespace: z.string().optional(),
  workers: z.coerce.number().int().min(1).max(64),
  healthPort: z.coerce.number().int().min(0).max(65535),
  logLevel: z.enum(['debug', 'info']),
};

/** The node agent: flag `--data-dir`, variable `DISTEXEC_DATA_DIR` (and `NODE_NAME`). */
export const AgentConfigSchema = z.object({
  ...common,
  /** From `NODE_NAME`, which the DaemonSet sets from the pod's spec.nodeName. */
  nodeName: z.string().min(1),
  /** The supervisor's records and output files: a hostPath, so a restart finds them. */
  dataDir: z.string().min(1),
  /** How often a running command is looked at. */
  pollInterval: duration,
  /** Between SIGTERM and SIGKILL when a command is stopped (timeout, cancellation). */
  gracePeriod: duration,
  /** Bytes kept of each of stdout and stderr per node (status size: nodes x 2 x this). */
  outputLimitBytes: z.coerce.number().int().min(0).max(65536),
});

/** The Job-per-node controller: flag `--execution-namespace`, variable `DISTEXEC_EXECUTION_NAMESPACE`. */
export const JobModeConfigSchema = z.object({
  ...common,
  executionNamespace: z.string().min(1),
  /** The image a DistExec without `spec.image` runs its command in. */
  image: imageReference,
  /**
   * Images node Jobs may run (`spec.image`, or `--image` when it is unset): exact, a prefix
   * ending in `/*` or `:*`, or `*`. Empty refuses every one, since a node Job runs on every
   * node, every taint tolerated, as the runner ServiceAccount.
   */
  allowedImages: list,
  /** How often a DistExec with running Jobs is looked at even without a Job event. */
  resync: duration,
  /** The deadline of a node Job whose DistExec sets no `timeoutSeconds`. */
  defaultTimeout: duration,
  /** The longest `timeoutSeconds` a DistExec may set. */
  maxTimeout: duration,
  /**
   * Limits of every node Job's container (`cpu=1,memory=256Mi`), cpu and memory among them, or
   * `none` for none. Required: a command on every node with what its node has could starve it.
   */
  jobResourceLimits: z
    .string()
    .refine((text) => text !== '', {
      error: `is required: every node Job's container limits, such as cpu=500m,memory=256Mi; or ${unbounded} to let an author's command take all its node has`,
      abort: true,
    })
    .pipe(z.union([z.literal(unbounded), BoundedLimitsSchema]))
    .describe(
      `required: every node Job's container limits (cpu=500m,memory=256Mi), or ${unbounded}`,
    ),
  /** Taints node Jobs tolerate (`key=value:Effect`, `key:Effect`, `key`, `*`); default none. */
  jobTolerations: TolerationListSettingSchema,
  /**
   * The most unfinished node Jobs the DistExecs of one namespace hold at once, so one tenant's
   * DistExec of thousands of nodes cannot take the execution namespace's whole quota; 0: none.
   */
  maxJobsPerNamespace: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      "the most unfinished node Jobs one namespace's DistExecs hold at once; the others wait, pending (0: no limit)",
    ),
  leaderElect: bool.describe(
    'run one active replica, elected on a Lease; the others stand by, ready',
  ),
  leaderElectionNamespace: z
    .string()
    .min(1)
    .optional()
    .describe('namespace of the Lease; unset, the --execution-namespace'),
});

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type JobModeConfig = z.infer<typeof JobModeConfigSchema>;

type Defaults<S extends z.ZodObject> = { readonly [K in keyof S['shape']]: string | undefined };

export const agentDefaults: Defaults<typeof AgentConfigSchema> = {
  kubeconfig: undefined,
  watchNamespace: undefined,
  workers: '4',
  healthPort: '8080',
  logLevel: 'info',
  nodeName: undefined,
  dataDir: '/var/lib/roundhouse/distexec',
  pollInterval: '1s',
  gracePeriod: '10s',
  outputLimitBytes: '1024',
};

export const jobModeDefaults: Defaults<typeof JobModeConfigSchema> = {
  kubeconfig: undefined,
  watchNamespace: undefined,
  workers: '4',
  healthPort: '8080',
  logLevel: 'info',
  executionNamespace: 'roundhouse-distexec-jobs',
  image: 'busybox:1.37',
  allowedImages: '',
  resync: '1m',
  defaultTimeout: '1h',
  maxTimeout: '24h',
  jobResourceLimits: '',
  jobTolerations: '',
  maxJobsPerNamespace: '500',
  leaderElect: 'false',
  leaderElectionNamespace: undefined,
};

/** The Lease job-mode replicas elect their leader on (`--leader-elect`). */
export const jobModeLeaseName = 'roundhouse-distexec-jobs';

/**
 * The Lease `--leader-elect` leads on; none without it. The agents have none: every agent
 * serves its own node, so each one reconciles (see config-agent.ts).
 */
export function leaderElectionOf(config: JobModeConfig): LeaderElection | undefined {
  if (!config.leaderElect) return undefined;
  return {
    namespace: config.leaderElectionNamespace ?? config.executionNamespace,
    name: jobModeLeaseName,
  };
}

/** Variables Kubernetes conventions name without the prefix. */
const plainEnv: Readonly<Record<string, string>> = {
  kubeconfig: 'KUBECONFIG',
  nodeName: 'NODE_NAME',
  logLevel: 'LOG_LEVEL',
};

/** Settings that work as bare flags, as Go's bool flags do: `--leader-elect`. */
const bareFlags: ReadonlySet<string> = new Set(['leaderElect']);

/** How `loadConfig` and `configHelp` read a command's settings. */
function settingsOf<S extends z.ZodObject>(schema: S, defaults: Defaults<S>): SettingsOptions<S> {
  const booleans = Object.keys(defaults).filter((key) => bareFlags.has(key));
  return {
    schema,
    defaults,
    envPrefix: 'DISTEXEC',
    plainEnv,
    booleans: booleans as (keyof S['shape'] & string)[],
  };
}

/**
 * Reads a configuration from flags, then `DISTEXEC_*` variables (and `KUBECONFIG`,
 * `NODE_NAME`, `LOG_LEVEL`), then defaults. Flags are read as Go's flag package reads them, as
 * dist-exec's were: `-workers=8`, `--workers 8`, one dash or two; a boolean flag bare
 * (`-leader-elect`) or with its value after `=` (`--leader-elect=false`). A bad value is a
 * ConfigurationError naming the flag; so is every unknown flag and stray argument.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  defaults: Defaults<S>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): z.infer<S> {
  const kinds = new Map(
    Object.keys(defaults).map((key) => [
      flagName(key),
      bareFlags.has(key) ? ('boolean' as const) : ('string' as const),
    ]),
  );
  const normalized = normalizeGoFlags(argv, kinds);
  const issues = [...normalized.issues];
  let config: z.infer<S> | undefined;
  try {
    config = loadSettings(settingsOf(schema, defaults), { argv: normalized.argv, env });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || config === undefined) throw new ConfigurationError(issues);
  return config;
}

/** The `--help` of a DistExec command: its flags, read by `loadConfig`'s rules. */
export function configHelp<S extends z.ZodObject>(
  program: string,
  schema: S,
  defaults: Defaults<S>,
): string {
  return settingsHelp(program, settingsOf(schema, defaults));
}
