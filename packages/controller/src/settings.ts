import { parseArgs } from 'node:util';
import { ConfigurationError, type FieldIssue, toFieldIssues } from '@roundhouse/core';
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
  /**
   * Settings read from conventional unprefixed variables, an empty one meaning unset as kubectl
   * takes it; default `kubeconfig` ← `KUBECONFIG`.
   */
  readonly plainEnv?: Readonly<Record<string, string>> | undefined;
  /** Settings that work as bare flags: `--leader-elect` means `--leader-elect=true`. */
  readonly booleans?: readonly (keyof S['shape'] & string)[] | undefined;
}

/** Whether a command line asks for usage: `--help`, `-help` or `-h`, as Go's flag package takes it. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--help' || arg === '-help' || arg === '-h');
}

/**
 * The usage text of a controller's settings: each flag, the variables that set it too and its
 * default, in the order of `defaults`, with the schema's description of the setting when it has
 * one (`.describe()`); `loadSettings` reads them by the same rules.
 */
export function settingsHelp<S extends z.ZodObject>(
  program: string,
  options: SettingsOptions<S>,
): string {
  const plainEnv = options.plainEnv ?? { kubeconfig: 'KUBECONFIG' };
  const booleans = new Set<string>(options.booleans ?? []);
  const lines = Object.keys(options.defaults).map((key) => {
    const flag = `--${flagName(key)}${booleans.has(key) ? '' : '=VALUE'}`;
    const variables = [envName(options.envPrefix, key), plainEnv[key]].filter(Boolean).join(', ');
    const fallback = options.defaults[key as keyof typeof options.defaults];
    const description = (options.schema.shape[key] as z.ZodType | undefined)?.description;
    const facts = [
      variables,
      fallback === undefined ? 'no default' : `default ${fallback || '""'}`,
    ];
    return `  ${flag}\n      ${description ? `${description} ` : ''}(${facts.join('; ')})\n`;
  });
  return `Usage: ${program} [flags]\n\nFlags (each also set by the variable named):\n${lines.join('')}`;
}

/** The variable of a setting: `TASKRUN` and `execNamespace` → `TASKRUN_EXEC_NAMESPACE`. */
function envName(prefix: string, key: string): string {
  return `${prefix}_${flagName(key).replaceAll('-', '_').toUpperCase()}`;
}

/** The flag of a setting: `executionNamespace` → `execution-namespace`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * A controller's settings from flags (`--workers=8` or `--workers 8`), then `<PREFIX>_*`
 * environment variables, then the conventional variables (`KUBECONFIG`), then the defaults.
 * Every bad flag is named in one ConfigurationError: an unknown one, one without a value, a
 * stray argument, and a value the schema refuses.
 */
export function loadSettings<S extends z.ZodObject>(
  options: SettingsOptions<S>,
  source: SettingsSource,
): z.output<S> {
  const keys = Object.keys(options.defaults);
  const plainEnv = options.plainEnv ?? { kubeconfig: 'KUBECONFIG' };
  const booleans = new Set((options.booleans ?? []).map(flagName));
  const { flags, issues } = readFlags(source.argv, keys.map(flagName), booleans);
  const raw = Object.fromEntries(
    keys.flatMap((key) => {
      const plain = plainEnv[key];
      const value =
        flags.get(flagName(key)) ??
        source.env[envName(options.envPrefix, key)] ??
        (plain ? source.env[plain] || undefined : undefined) ??
        options.defaults[key as keyof typeof options.defaults];
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const result = options.schema.safeParse(raw);
  if (!result.success) {
    issues.push(
      ...toFieldIssues(result.error, '', raw).map((i) => ({
        path: `--${flagName(i.path.split('.')[0] ?? '')}`,
        message: i.message,
      })),
    );
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  return result.data as z.output<S>;
}

/**
 * The command line's values by flag name, and what is wrong with it. parseArgs' strict mode
 * would stop at the first problem with a TypeError; its tokens name each offending flag.
 */
function readFlags(
  argv: readonly string[],
  names: readonly string[],
  booleans: ReadonlySet<string>,
) {
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      names.map((name) => [name, { type: booleans.has(name) ? 'boolean' : 'string' }] as const),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags = new Map<string, string>();
  const issues: FieldIssue[] = [];
  const known = names.map((name) => `--${name}`).join(', ');
  for (const token of tokens) {
    if (token.kind === 'positional') {
      issues.push({
        path: 'arguments',
        message: `unexpected argument "${token.value}": settings are flags, such as --${names[0]}=VALUE`,
      });
    } else if (token.kind === 'option') {
      if (!names.includes(token.name)) {
        issues.push({ path: token.rawName, message: `unknown flag; the flags are ${known}` });
      } else if (token.value === undefined && booleans.has(token.name)) {
        flags.set(token.name, 'true');
      } else if (token.value === undefined) {
        issues.push({ path: token.rawName, message: `needs a value: ${token.rawName}=VALUE` });
      } else {
        flags.set(token.name, token.value);
      }
    }
  }
  return { flags, issues };
}
