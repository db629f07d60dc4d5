import {
  type LeaderElection,
  loadSettings,
  ResourceListSettingSchema,
  settingsHelp,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  type FieldIssue,
  goDurationPattern,
  parseGoDuration,
} from '@roundhouse/core';
import { type PodExecutorOptions, podDeadlineSeconds } from '@roundhouse/pod';
import { z } from 'zod';
import { defaultTimeoutLimits } from './run-spec.js';

const timeout = z
  .string()
  .regex(goDurationPattern, { error: 'must be a Go duration such as "1h" or "30m"' })
  .refine((text) => (parseGoDuration(text) ?? 0) > 0, { error: 'must be longer than zero' });

/** Every setting: flag `--watch-namespace`, variable `TASKRUN_WATCH_NAMESPACE`. */
export const ConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  watchNamespace: z.string().optional(),
  /** Comma-separated images steps may run: exact, a prefix ending in `/*` or `:*`, or `*`. */
  allowedImages: z.string().transform((list) =>
    list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
  /**
   * Refuse a step image not pinned to a digest: the steps' images are what runs, and no policy
   * on a bundle reaches them (the pod engine's `requireDigest`).
   */
  requireDigest: z
    .stringbool({ error: 'must be true or false' })
    .describe('refuse a step image not pinned to a digest (image@sha256:...)'),
  missingTask: z.enum(['fail', 'wait']),
  /** The timeout of a run that sets none: without one, a run could hold its Pod for ever. */
  defaultTimeout: timeout,
  /** The longest `spec.timeout` a run may set. */
  maxTimeout: timeout,
  /**
   * Limits of each run's Pod (`cpu=1,memory=512Mi,ephemeral-storage=1Gi`), as the pod engine
   * applies its resources: a sequential Task's steps run one at a time and each gets them all, a
   * parallel Task's run at once and share them equally. Without them a run's steps take what
   * their node has.
   */
  stepResourceLimits: ResourceListSettingSchema.optional().describe(
    "limits of each run's Pod (cpu=1,memory=512Mi): every step of a sequential Task gets them all; a parallel Task's steps share them equally, and a Task with too many to run in their share fails InvalidTask naming task.spec.parallel",
  ),
  workers: z.coerce.number().int().min(1).max(512),
  healthPort: z.coerce.number().int().min(0).max(65535),
  leaderElect: z
    .stringbool({ error: 'must be true or false' })
    .describe('run one active replica, elected on a Lease; the others stand by, ready'),
  leaderElectionNamespace: z
    .string()
    .min(1)
    .optional()
    .describe(
      'namespace of the Lease; unset, the --watch-namespace (--leader-elect needs one of them)',
    ),
});

export type Config = z.infer<typeof ConfigSchema>;

const defaults: Record<keyof Config, string | undefined> = {
  kubeconfig: undefined,
  watchNamespace: undefined,
  allowedImages: '',
  requireDigest: 'false',
  missingTask: 'fail',
  defaultTimeout: defaultTimeoutLimits.defaultTimeout,
  maxTimeout: defaultTimeoutLimits.maxTimeout,
  stepResourceLimits: undefined,
  workers: '4',
  healthPort: '8080',
  leaderElect: 'false',
  leaderElectionNamespace: undefined,
};

const settings = {
  schema: ConfigSchema,
  defaults,
  envPrefix: 'TASKRUN',
  booleans: ['leaderElect' as const, 'requireDigest' as const],
};

/** The Lease replicas elect their leader on, one name per controller. */
export const leaseName = 'roundhouse-taskrun-controller';

/** The `--help` text: every flag, read by `loadConfig`'s rules. */
export function configHelp(program: string): string {
  return settingsHelp(program, settings);
}

/**
 * Reads the configuration from flags, then `TASKRUN_*` variables (and `KUBECONFIG`), then
 * defaults. A bad value is a ConfigurationError naming the flag.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const config = loadSettings(settings, { argv, env });
  // A Lease without a namespace is a bad flag: refused here, before anything starts (exit 2).
  leaderElectionOf(config);
  checkTimeouts(config);
  return config;
}

/**
 * Refuses a `--default-timeout` every run without a timeout of its own would fail for (one no
 * Pod's deadline can hold), or longer than `--max-timeout`, which would let such a run hold its
 * Pod longer than any run may ask to: found at start-up, not in every run's status.
 */
function checkTimeouts(config: Config): void {
  const issues: FieldIssue[] = [];
  try {
    podDeadlineSeconds(config.defaultTimeout, '--default-timeout');
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    issues.push(...error.issues);
  }
  const longest = parseGoDuration(config.maxTimeout) ?? Number.POSITIVE_INFINITY;
  if ((parseGoDuration(config.defaultTimeout) ?? 0) > longest) {
    issues.push({
      path: '--default-timeout',
      message: `must be at most --max-timeout (${config.maxTimeout}), the longest a run may hold its Pod`,
    });
  }
  if (issues.length) throw new ConfigurationError(issues);
}

/**
 * The Lease `--leader-elect` leads on; none without it. Its namespace is
 * `--leader-election-namespace`, else `--watch-namespace`: a controller of every namespace has
 * none of its own to default to, so that is a ConfigurationError naming the flag.
 */
export function leaderElectionOf(config: Config): LeaderElection | undefined {
  if (!config.leaderElect) return undefined;
  // An empty --watch-namespace watches every namespace, as an unset one does.
  const namespace = config.leaderElectionNamespace ?? config.watchNamespace;
  if (!namespace) {
    throw new ConfigurationError({
      path: '--leader-election-namespace',
      message: 'needs a namespace for the Lease with --leader-elect (or --watch-namespace)',
    });
  }
  return { namespace, name: leaseName };
}

/** How the pod engine builds each run's Pod: the images it may run, and the steps' limits. */
export function podOptionsOf(
  config: Config,
): Pick<PodExecutorOptions, 'allowedImages' | 'requireDigest' | 'resources'> {
  return {
    allowedImages: config.allowedImages,
    requireDigest: config.requireDigest,
    ...(config.stepResourceLimits ? { resources: { limits: config.stepResourceLimits } } : {}),
  };
}
