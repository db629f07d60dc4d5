import { parseEngineConfig } from '@roundhouse/awx';
import {
  ConfigurationError,
  type FieldIssue,
  isDns1123Subdomain,
  validateParameters,
  type WorkflowExecution,
} from '@roundhouse/core';
import { InputError } from './errors.js';
import { shortQuote } from './quote.js';

/**
 * `KEY=VALUE` values of a repeatable flag, in the order given; the value may hold "=" and be
 * empty. A Map: assigning to an object would drop a key named __proto__ silently (or change the
 * object's prototype) instead of letting the caller refuse it.
 */
function keyValues(
  values: readonly string[],
  flag: string,
): { given: Map<string, string>; issues: FieldIssue[] } {
  const given = new Map<string, string>();
  const issues: FieldIssue[] = [];
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) {
      issues.push({ path: flag, message: `${shortQuote(value)} is not KEY=VALUE` });
      continue;
    }
    const key = value.slice(0, separator);
    if (given.has(key)) issues.push({ path: `${flag} ${key}`, message: 'is given twice' });
    else given.set(key, value.slice(separator + 1));
  }
  return { given, issues };
}

/** `-p KEY=VALUE` values as parameters; the value may hold "=" and be empty. */
export function parseParameters(values: readonly string[]): Record<string, string> {
  const { given, issues } = keyValues(values, '-p');
  const parameters: Record<string, string> = Object.fromEntries(given);
  try {
    validateParameters(parameters);
  } catch (error) {
    const named = (error as { issues: readonly FieldIssue[] }).issues;
    issues.push(
      ...named.map((i) => ({ path: `-p ${i.path.split('.').pop()}`, message: i.message })),
    );
  }
  if (issues.length) {
    throw new InputError(
      issues,
      'write each parameter as -p NAME=value, NAME of letters, digits and "_" not starting with a digit (e.g. -p REPLICAS=3)',
    );
  }
  return parameters;
}

/**
 * `--engine-config KEY=VALUE` values as `spec.workflowRef.engineConfig`, an object of strings;
 * the value may hold "=" and be empty. Keys are taken as written, without nesting: the settings
 * an engine takes as lists or objects (the pod engine's steps, the process engine's args) need
 * a manifest (-f).
 */
export function parseEngineConfigFlags(values: readonly string[]): Record<string, string> {
  const { given, issues } = keyValues(values, '--engine-config');
  if (given.has('__proto__')) {
    // The controller refuses the key anywhere in a WorkflowExecution, as core's shape check.
    given.delete('__proto__');
    issues.push({
      path: '--engine-config __proto__',
      message:
        'the key "__proto__" is not allowed (it would be dropped or change an object\'s prototype)',
    });
  }
  if (issues.length) {
    throw new InputError(
      issues,
      'write each engine setting once, as --engine-config KEY=VALUE (KEY as the engine names it, the value a string); docs/backends/ describes what each engine reads',
    );
  }
  return Object.fromEntries(given);
}

/**
 * Engines whose engineConfig the CLI checks before anything is sent, with the engine's own
 * rules: each throws a ConfigurationError naming `spec.workflowRef.engineConfig.KEY`.
 */
const engineConfigChecks: Readonly<Record<string, (wfe: WorkflowExecution) => unknown>> = {
  ansible: parseEngineConfig,
};

const engineConfigPrefix = 'spec.workflowRef.engineConfig.';

/**
 * Refuses an engineConfig its engine would refuse, each issue against `--engine-config KEY`,
 * and says which keys to add. Without any --engine-config the engine checks an empty object,
 * so each key it requires is named on its own. Other engines' settings are left to the
 * controller.
 */
export function checkEngineConfig(engine: string, engineConfig: Record<string, string>): void {
  const check = Object.hasOwn(engineConfigChecks, engine) ? engineConfigChecks[engine] : undefined;
  if (!check) return;
  try {
    // Only the engineConfig is read; the rest of the spec was checked already.
    check({
      spec: { executionEngine: engine, workflowRef: { engineConfig } },
    } as WorkflowExecution);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const keyOf = (path: string) =>
      path.startsWith(engineConfigPrefix) ? path.slice(engineConfigPrefix.length) : undefined;
    const issues = error.issues.map((i) => {
      const key = keyOf(i.path);
      return { path: key ? `--engine-config ${key}` : '--engine-config', message: i.message };
    });
    const missing = error.issues
      .map((i) => keyOf(i.path))
      .filter((key): key is string => key !== undefined && !Object.hasOwn(engineConfig, key))
      .map((key) => `--engine-config ${key}=VALUE`);
    throw new InputError(
      issues,
      `${missing.length ? `add ${missing.join(' ')}; ` : ''}the ${engine} engine reads its settings from --engine-config KEY=VALUE (docs/backends/ describes what each engine reads), or give a manifest with -f`,
    );
  }
}

/** `--dependency secret/NAME` and `--dependency configmap/NAME`, in the order given. */
export function parseDependencies(values: readonly string[]): {
  secrets: { name: string }[];
  configMaps: { name: string }[];
} {
  const secrets: { name: string }[] = [];
  const configMaps: { name: string }[] = [];
  const issues: FieldIssue[] = [];
  for (const value of values) {
    const [kind = '', name = '', ...rest] = value.split('/');
    const list = kind === 'secret' ? secrets : kind === 'configmap' ? configMaps : undefined;
    if (!list || rest.length || !isDns1123Subdomain(name)) {
      issues.push({
        path: '--dependency',
        message: `${shortQuote(value)} is not secret/NAME or configmap/NAME`,
      });
    } else if (list.some((d) => d.name === name)) {
      issues.push({ path: '--dependency', message: `${shortQuote(value)} is given twice` });
    } else {
      list.push({ name });
    }
  }
  if (issues.length) {
    throw new InputError(
      issues,
      'name each dependency as secret/NAME or configmap/NAME, e.g. --dependency secret/db-credentials',
    );
  }
  return { secrets, configMaps };
}
