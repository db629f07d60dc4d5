import { parseArgs } from 'node:util';
import {
  ConfigurationError,
  goDurationPattern,
  parseGoDuration,
  toFieldIssues,
} from '@roundhouse/core';
import type { ExecutionPolicyInput } from '@roundhouse/workflowexecution';
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

/** Every setting, as flag name -> environment variable -> schema. */
export const ConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  engines: csv.pipe(z.array(z.enum(['job', 'tekton', 'ansible'])).min(1)),
  executionNamespace: z.string().min(1),
  watchNamespace: z.string().optional(),
  cooldown: duration,
  lockPolicy: z.enum(['fail', 'wait']),
  conventions: z.enum(['roundhouse', 'kubernaut']),
  workers: z.coerce.number().int().min(1).max(64),
  healthPort: z.coerce.number().int().min(0).max(65535),
  healthHost: z.string(),
  leaderElect: z.stringbool(),
  leaderElectionNamespace: z.string().optional(),
  awxUrl: z.url().optional(),
  awxApiPrefix: z.string().startsWith('/').endsWith('/'),
  awxOrganization: z.string().optional(),
  /** `namespace/name[:key]` of the Secret holding the AWX token; key defaults to `token`. */
  awxTokenSecret: z
    .string()
    .regex(/^[a-z0-9.-]+\/[a-z0-9.-]+(:[-._a-zA-Z0-9]+)?$/, {
      error: 'must be namespace/name[:key]',
    })
    .optional(),
  awxCaFile: z.string().optional(),
  awxInsecureSkipTlsVerify: z.stringbool(),
  /** Bundle sources executions may run (`registry.example.com/team/*`, `*`); none by default. */
  allowedBundles: csv,
  /** ServiceAccounts executions may name besides the default runner. */
  allowedServiceAccounts: csv,
  requireDigest: z.stringbool(),
  /** Annotation a dependency must carry to be usable, or `false` to turn the opt-in off. */
  dependencyOptIn: z.string().min(1),
  defaultTimeout: duration,
});

export type Config = z.infer<typeof ConfigSchema>;

const defaults: Record<keyof Config, string | undefined> = {
  kubeconfig: undefined,
  engines: 'job,tekton,ansible',
  executionNamespace: 'roundhouse-workflows',
  watchNamespace: undefined,
  cooldown: '5m',
  lockPolicy: 'fail',
  conventions: 'roundhouse',
  workers: '4',
  healthPort: '8080',
  healthHost: '0.0.0.0',
  leaderElect: 'false',
  leaderElectionNamespace: undefined,
  awxUrl: undefined,
  awxApiPrefix: '/api/v2/',
  awxOrganization: undefined,
  awxTokenSecret: undefined,
  awxCaFile: undefined,
  awxInsecureSkipTlsVerify: 'false',
  allowedBundles: '',
  allowedServiceAccounts: '',
  requireDigest: 'false',
  dependencyOptIn: 'roundhouse.dev/allowed-namespaces',
  defaultTimeout: '1h',
};

const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (key: string) => `ROUNDHOUSE_${flagName(key).replaceAll('-', '_').toUpperCase()}`;

/**
 * Reads the configuration from flags (`--cooldown=5m`), then environment variables
 * (`ROUNDHOUSE_COOLDOWN`; `KUBECONFIG` too), then defaults. A bad value is a ConfigurationError
 * naming the flag.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const keys = Object.keys(defaults) as (keyof Config)[];
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(keys.map((k) => [flagName(k), { type: 'string' as const }])),
    strict: true,
  });
  const raw = Object.fromEntries(
    keys.flatMap((key) => {
      const value =
        (values[flagName(key)] as string | undefined) ??
        env[envName(key)] ??
        (key === 'kubeconfig' ? env.KUBECONFIG : undefined) ??
        defaults[key];
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(
      toFieldIssues(result.error).map((i) => ({
        path: `--${flagName(i.path.split('.')[0] ?? '')}`,
        message: i.message,
      })),
    );
  }
  if (
    result.data.engines.includes('ansible') &&
    !(result.data.awxUrl && result.data.awxTokenSecret)
  ) {
    throw new ConfigurationError({
      path: '--engines',
      message:
        'the ansible engine needs --awx-url and --awx-token-secret (or drop it from --engines)',
    });
  }
  return result.data;
}

/** The cooldown in milliseconds. */
export function cooldownMs(config: Config): number {
  return parseGoDuration(config.cooldown) ?? 0;
}

/** The execution policy the flags describe. */
export function executionPolicy(config: Config): ExecutionPolicyInput {
  return {
    bundles: config.allowedBundles,
    serviceAccounts: config.allowedServiceAccounts,
    requireDigest: config.requireDigest,
    dependencyOptIn:
      config.dependencyOptIn === 'false' ? false : { annotation: config.dependencyOptIn },
  };
}
