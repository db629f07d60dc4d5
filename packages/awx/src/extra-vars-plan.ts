/**
 * The extra_vars of a launch, as a pure function of the execution and its ConfigMaps: the
 * parameters with kubernaut's type coercion, the execution's and remediation request's names,
 * the identity marker, and every ConfigMap key as a raw string.
 */

import {
  ConfigurationError,
  type Conventions,
  type FieldIssue,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  type ExecutionIdentity,
  markerVariable,
  wfeNamespaceVariable,
  wfeNameVariable,
} from './execution-identity.js';
import { buildExtraVars, type ExtraVars, type ExtraVarValue } from './extra-vars.js';

export interface ConfigMapValues {
  readonly name: string;
  /** `data` of the ConfigMap; `binaryData` is not passed to AWX. */
  readonly data: Readonly<Record<string, string>>;
}

const rrNameVariable = 'RR_NAME';
const rrNamespaceVariable = 'RR_NAMESPACE';

/** A C identifier, as every engine requires of parameter names (and Ansible of variables). */
const parameterName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Ansible takes `ansible_*` variables as connection and privilege settings (the host, the user,
 * become, the interpreter, ssh arguments), and extra vars override the inventory's: set by an
 * execution's author they would run commands of the author's choosing with the template's
 * credentials. AWX itself refuses them in ad hoc commands and drops them from host callbacks,
 * the launches it does not trust (`is_ansible_variable` in awx/main/utils/common.py).
 */
const ansibleVariablePrefix = 'ansible_';

/** kubernaut's rule for a name inside a variable name: upper case, `-` as `_`. */
export function variableSegment(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}

/** `<PREFIX>_CONFIGMAP_<CONFIGMAP>_<KEY>`, e.g. `KUBERNAUT_CONFIGMAP_APP_SETTINGS_LOG_LEVEL`. */
export function configMapVariable(conventions: Conventions, configMap: string, key: string) {
  return `${conventions.envPrefix}_CONFIGMAP_${variableSegment(configMap)}_${variableSegment(key)}`;
}

/**
 * Builds the launch's extra_vars. A parameter that is not an identifier, that names a variable
 * the engine sets or an `ansible_*` one, and two sources that would set the same variable, are
 * ConfigurationErrors: kubernaut silently lets one overwrite the other.
 */
export function launchExtraVars(
  wfe: WorkflowExecution,
  identity: ExecutionIdentity,
  configMaps: readonly ConfigMapValues[],
  conventions: Conventions,
): ExtraVars {
  const rr = wfe.spec.remediationRequestRef;
  const engineVariables: Record<string, ExtraVarValue> = {
    [wfeNameVariable]: wfe.metadata.name,
    [wfeNamespaceVariable]: wfe.metadata.namespace,
    [rrNameVariable]: rr?.name ?? '',
    [rrNamespaceVariable]: rr?.namespace ?? '',
    [markerVariable(conventions)]: identity.id,
  };
  const issues: FieldIssue[] = [];
  const sources = new Map<string, string>(
    Object.keys(engineVariables).map((name) => [name, 'the ansible engine']),
  );
  for (const name of Object.keys(wfe.spec.parameters ?? {})) {
    const path = `spec.parameters.${name}`;
    if (sources.has(name)) {
      issues.push({ path, message: `${name} is reserved: the ansible engine sets it` });
    } else if (name.startsWith(ansibleVariablePrefix)) {
      issues.push({
        path,
        message: `is not allowed: Ansible reads ${ansibleVariablePrefix}* variables as connection and privilege settings, which a launch must not override; pass the value under another name (e.g. ${name.slice(ansibleVariablePrefix.length).toUpperCase()})`,
      });
    } else if (!parameterName.test(name)) {
      issues.push({
        path,
        message:
          'is not a valid parameter name: use letters, digits and "_" and do not start with a digit (e.g. MAX_REPLICAS)',
      });
    }
    sources.set(name, path);
  }
  const configMapVariables: [string, string][] = [];
  configMaps.forEach((configMap, index) => {
    for (const [key, value] of Object.entries(configMap.data)) {
      const variable = configMapVariable(conventions, configMap.name, key);
      const taken = sources.get(variable);
      if (taken) {
        issues.push({
          path: `dependencies.configMaps[${index}].name`,
          message: `key "${key}" of ConfigMap ${configMap.name} becomes extra var ${variable}, which ${taken} already sets; rename one of them`,
        });
      }
      sources.set(variable, `ConfigMap ${configMap.name}`);
      configMapVariables.push([variable, value]);
    }
  });
  if (issues.length > 0) throw new ConfigurationError(issues);
  return Object.fromEntries([
    ...Object.entries(buildExtraVars(wfe.spec.parameters)),
    ...Object.entries(engineVariables),
    ...configMapVariables,
  ]);
}
