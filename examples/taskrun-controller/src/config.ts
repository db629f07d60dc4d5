import { parseArgs } from 'node:util';
import { ConfigurationError, toFieldIssues } from '@roundhouse/core';
import { z } from 'zod';

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
  missingTask: z.enum(['fail', 'wait']),
  workers: z.coerce.number().int().min(1).max(512),
  healthPort: z.coerce.number().int().min(0).max(65535),
});

export type Config = z.infer<typeof ConfigSchema>;

const defaults: Record<keyof Config, string | undefined> = {
  kubeconfig: undefined,
  watchNamespace: undefined,
  allowedImages: '',
  missingTask: 'fail',
  workers: '4',
  healthPort: '8080',
};

const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (key: string) => `TASKRUN_${flagName(key).replaceAll('-', '_').toUpperCase()}`;

/**
 * Reads the configuration from flags, then `TASKRUN_*` variables (and `KUBECONFIG`), then
 * defaults. A bad value is a ConfigurationError naming the flag.
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
  return result.data;
}
