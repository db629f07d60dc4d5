import { ConfigurationError } from '@roundhouse/core';
import type { ProcessSpec } from './process-spec.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** What every program expects to find: where programs are, a home, the locale, time zone, temp. */
const minimalNames = new Set(['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']);
const minimalPrefixes = ['LC_'];

/**
 * The environment Local tasks start from: `environment` exactly when given; otherwise the
 * host's minimal variables (PATH, HOME, LANG, LC_*, TZ, TMPDIR) and the names in
 * `passEnvironment`, or all of the host's with `'all'`. The host holds what tasks must not
 * see unless the operator says so: a controller's in-cluster address, tokens and settings in
 * its environment. Both options at once is a ConfigurationError, since `environment` is
 * already the whole base.
 */
export function baseEnvironment(
  host: Environment,
  options: {
    readonly environment?: Environment | undefined;
    readonly passEnvironment?: readonly string[] | 'all' | undefined;
  },
): Environment {
  const { environment, passEnvironment } = options;
  if (environment !== undefined && passEnvironment !== undefined) {
    throw new ConfigurationError({
      path: 'passEnvironment',
      message:
        'cannot be combined with environment, which is the whole environment tasks start from; put the variables in environment instead',
    });
  }
  if (environment !== undefined) return environment;
  if (passEnvironment === 'all') return host;
  const passed = new Set(passEnvironment);
  return Object.fromEntries(
    Object.entries(host).filter(
      ([name]) =>
        minimalNames.has(name) ||
        passed.has(name) ||
        minimalPrefixes.some((prefix) => name.startsWith(prefix)),
    ),
  );
}

/**
 * A task's environment: the base (see `baseEnvironment`, or in sidecar mode the main
 * container's process's) with the task's variables on top, later entries winning, as
 * Kubernetes does.
 */
export function taskEnvironment(
  base: Iterable<readonly [string, string | undefined]>,
  env: ProcessSpec['env'],
): Record<string, string> {
  // A Map, not assignments to an object: a variable named __proto__ would vanish without a word.
  const result = new Map<string, string>();
  for (const [name, value] of base) if (value !== undefined) result.set(name, value);
  for (const { name, value } of env ?? []) result.set(name, value ?? '');
  return Object.fromEntries(result);
}
