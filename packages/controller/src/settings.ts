import { parseArgs } from 'node:util';
import { ConfigurationError, toFieldIssues } from '@roundhouse/core';
import type { z } from 'zod';

/** Where a controller's settings come from: its command line and its environment. */
export interface SettingsSource {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface SettingsOptions<S extends z.ZodObject> {
  /** Validates and converts the settings; every key is a flag (`execNamespace` → `--exec-namespace`). */
  readonly schema: S;
  /** Every setting's default as the user would write it, or undefined for none. */
  readonly defaults: { readonly [K in keyof S['shape']]: string | undefined };
  /** Prefix of the environment variables: `TASKRUN` reads `TASKRUN_EXEC_NAMESPACE`. */
  readonly envPrefix: string;
  /** Settings read from conventional unprefixed variables; default `kubeconfig` ← `KUBECONFIG`. */
  readonly plainEnv?: Readonly<Record<string, string>>;
}

/** The flag of a setting: `executionNamespace` → `execution-namespace`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * A controller's settings from flags (`--workers=8`), then `<PREFIX>_*` environment variables,
 * then the conventional variables (`KUBECONFIG`), then the defaults. A bad value is one
 * ConfigurationError naming every bad flag; an unknown flag is refused.
 */
export function loadSettings<S extends z.ZodObject>(
  options: SettingsOptions<S>,
  source: SettingsSource,
): z.output<S> {
  const keys = Object.keys(options.defaults);
  const plainEnv = options.plainEnv ?? { kubeconfig: 'KUBECONFIG' };
  const { values } = parseArgs({
    args: [...source.argv],
    options: Object.fromEntries(keys.map((k) => [flagName(k), { type: 'string' as const }])),
    strict: true,
  });
  const envName = (key: string) =>
    `${options.envPrefix}_${flagName(key).replaceAll('-', '_').toUpperCase()}`;
  const raw = Object.fromEntries(
    keys.flatMap((key) => {
      const plain = plainEnv[key];
      const value =
        (values[flagName(key)] as string | undefined) ??
        source.env[envName(key)] ??
        (plain ? source.env[plain] : undefined) ??
        options.defaults[key as keyof typeof options.defaults];
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const result = options.schema.safeParse(raw);
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
