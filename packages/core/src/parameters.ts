import { isCodeLoadingVariable } from './code-loading-variables.js';
import { ConfigurationError, type FieldIssue } from './errors.js';

/** The variable every engine receives with the raw target resource. */
export const targetResourceParameter = 'TARGET_RESOURCE';

/**
 * Parameter names must be C identifiers: the one rule that is a valid environment variable in
 * every shell, a Tekton param name and an Ansible variable name alike.
 */
const parameterName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

/** Rejects reserved and invalid parameter names, naming each one. */
export function validateParameters(parameters: Readonly<Record<string, string>> | undefined): void {
  const issues: FieldIssue[] = [];
  for (const name of Object.keys(parameters ?? {})) {
    const path = `spec.parameters.${name}`;
    if (name === targetResourceParameter) {
      issues.push({
        path,
        message: `${targetResourceParameter} is reserved: it is always set from spec.targetResource; remove this parameter`,
      });
    } else if (name === '__proto__') {
      issues.push({
        path,
        message:
          'is not allowed as a parameter name: an object built from JSON drops it or takes it as its prototype; rename it',
      });
    } else if (!parameterName.test(name)) {
      issues.push({
        path,
        message:
          'is not a valid parameter name: use letters, digits and "_" and do not start with a digit (e.g. MAX_REPLICAS)',
      });
    }
  }
  if (issues.length) throw new ConfigurationError(issues);
}

/** Parameters sorted by name in code-point order, so resources are identical on every build. */
export function sortedParameters(
  parameters: Readonly<Record<string, string>> | undefined,
): [string, string][] {
  validateParameters(parameters);
  return Object.entries(parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Container environment for a workflow: TARGET_RESOURCE first, then the sorted parameters. A
 * parameter that would set a variable changing which code the image's programs load or run, or
 * whom they trust (`LD_PRELOAD`, `BASH_ENV`, `NODE_OPTIONS`, `HTTPS_PROXY`, `SSL_CERT_FILE`,
 * ...) is a ConfigurationError naming it.
 */
export function parameterEnv(
  targetResource: string,
  parameters: Readonly<Record<string, string>> | undefined,
): EnvVar[] {
  const sorted = sortedParameters(parameters);
  const issues: FieldIssue[] = sorted
    .filter(([name]) => isCodeLoadingVariable(name))
    .map(([name]) => ({
      path: `spec.parameters.${name}`,
      message: `is not allowed: as an environment variable ${name} changes which code the workflow's programs run or whom they trust; pass the value under another name (e.g. WORKFLOW_${name.replace(/^_+/, '')})`,
    }));
  if (issues.length) throw new ConfigurationError(issues);
  return [
    { name: targetResourceParameter, value: targetResource },
    ...sorted.map(([name, value]) => ({ name, value })),
  ];
}
