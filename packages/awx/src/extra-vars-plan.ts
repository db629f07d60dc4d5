/**
 * The extra_vars of a launch, as a pure function of the execution, its ConfigMaps and the job
 * template's survey: the parameters with kubernaut's type coercion, the execution's and
 * remediation request's names, the identity marker, and every ConfigMap key as a raw string;
 * except that a parameter or ConfigMap value an enabled survey asks for is typed for its question.
 */

import {
  ConfigurationError,
  type Conventions,
  type FieldIssue,
  type WorkflowExecution,
} from '@roundhouse/core';
import { jobTemplateNamePath } from './engine-config.js';
import {
  type ExecutionIdentity,
  markerVariable,
  wfeNamespaceVariable,
  wfeNameVariable,
} from './execution-identity.js';
import { coercedParameter, type ExtraVars, type ExtraVarValue } from './extra-vars.js';
import type { JobTemplate } from './schemas.js';
import { answerQuestion, type Survey } from './survey-answers.js';

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

/**
 * AWX passes its launch context to a playbook as `awx_*` and `tower_*` extra vars
 * (JOB_VARIABLE_PREFIXES in awx/main/constants.py, `awx_meta_vars` in
 * awx/main/models/unified_jobs.py): some it overwrites with its own values in silence, and the
 * ones it sets only for a workflow, schedule or webhook launch (`awx_workflow_job_id`,
 * `awx_schedule_id`, `awx_webhook_*`, ...) are never set for a direct API launch, so an author's
 * value would stand in for the launch context. AWX builds these names in lower case and extra
 * vars are case-sensitive, so the check is too.
 */
const awxMetaVariablePrefixes = ['awx_', 'tower_'] as const;

/** kubernaut's rule for a name inside a variable name: upper case, `-` as `_`. */
export function variableSegment(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}

/** `<PREFIX>_CONFIGMAP_<CONFIGMAP>_<KEY>`, e.g. `KUBERNAUT_CONFIGMAP_APP_SETTINGS_LOG_LEVEL`. */
export function configMapVariable(conventions: Conventions, configMap: string, key: string) {
  return `${conventions.envPrefix}_CONFIGMAP_${variableSegment(configMap)}_${variableSegment(key)}`;
}

/** A variable of a launch before it is typed: its text, and where it comes from. */
export type LaunchVariable =
  | { readonly source: 'parameter' | 'engine' | 'marker'; readonly value: string }
  | {
      readonly source: 'configMap';
      readonly value: string;
      /** The ConfigMap's index among the execution's ConfigMap dependencies. */
      readonly index: number;
      readonly configMap: string;
      readonly key: string;
    };

/** A launch's variables by name: the parameters, the engine's own, then the ConfigMaps'. */
export type LaunchVariables = ReadonlyMap<string, LaunchVariable>;

/**
 * The variables of a launch, untyped. A parameter that is not an identifier, that names a
 * variable the engine sets or an `ansible_*` one, and two sources that would set the same
 * variable, are ConfigurationErrors: kubernaut silently lets one overwrite the other.
 */
export function launchVariables(
  wfe: WorkflowExecution,
  identity: ExecutionIdentity,
  configMaps: readonly ConfigMapValues[],
  conventions: Conventions,
): LaunchVariables {
  const rr = wfe.spec.remediationRequestRef;
  const marker = markerVariable(conventions);
  const engineVariables: Record<string, string> = {
    [wfeNameVariable]: wfe.metadata.name,
    [wfeNamespaceVariable]: wfe.metadata.namespace,
    [rrNameVariable]: rr?.name ?? '',
    [rrNamespaceVariable]: rr?.namespace ?? '',
    [marker]: identity.id,
  };
  const issues: FieldIssue[] = [];
  const sources = new Map<string, string>(
    Object.keys(engineVariables).map((name) => [name, 'the ansible engine']),
  );
  const parameters = Object.entries(wfe.spec.parameters ?? {});
  for (const [name] of parameters) {
    const path = `spec.parameters.${name}`;
    if (sources.has(name)) {
      issues.push({ path, message: `${name} is reserved: the ansible engine sets it` });
    } else if (name.startsWith(ansibleVariablePrefix)) {
      issues.push({
        path,
        message: `is not allowed: Ansible reads ${ansibleVariablePrefix}* variables as connection and privilege settings, which a launch must not override; pass the value under another name (e.g. ${name.slice(ansibleVariablePrefix.length).toUpperCase()})`,
      });
    } else if (awxMetaVariablePrefixes.some((prefix) => name.startsWith(prefix))) {
      const prefix = name.slice(0, name.indexOf('_') + 1);
      issues.push({
        path,
        message: `is not allowed: AWX passes its launch context as ${prefix}* extra vars, which a parameter would overwrite or stand in for; pass the value under another name (e.g. ${name.slice(prefix.length).toUpperCase()})`,
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
  const configMapVariables: [string, LaunchVariable][] = [];
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
      configMapVariables.push([
        variable,
        { source: 'configMap', value, index, configMap: configMap.name, key },
      ]);
    }
  });
  if (issues.length > 0) throw new ConfigurationError(issues);
  return new Map<string, LaunchVariable>([
    ...parameters.map(([name, value]): [string, LaunchVariable] => [
      name,
      { source: 'parameter', value },
    ]),
    ...Object.entries(engineVariables).map(([name, value]): [string, LaunchVariable] => [
      name,
      { source: name === marker ? 'marker' : 'engine', value },
    ]),
    ...configMapVariables,
  ]);
}

/** The enabled survey of the template a launch goes to. */
export interface TemplateSurvey {
  readonly template: Pick<JobTemplate, 'id' | 'name'>;
  readonly questions: Survey;
}

export interface TypedExtraVars {
  readonly extraVars: ExtraVars;
  /** What AWX would refuse, or what keeps the engine from finding its job; empty to launch. */
  readonly issues: readonly FieldIssue[];
}

/**
 * The launch's extra_vars for a template whose survey is `survey` (none: no survey enabled). A
 * parameter or ConfigMap value a question asks for is typed for it and checked by its rules as
 * AWX checks them (survey-answers); the other parameters are coerced as kubernaut does; the
 * engine's values go as they are, and AWX checks them. A password question for the marker is
 * an issue: AWX shows it as `$encrypted$` in the job's extra_vars, where the engine finds its jobs.
 */
export function typedExtraVars(
  variables: LaunchVariables,
  survey?: TemplateSurvey,
): TypedExtraVars {
  const entries: [string, ExtraVarValue][] = [];
  const issues: FieldIssue[] = [];
  for (const [name, variable] of variables) {
    const question = survey?.questions.get(name);
    if (variable.source === 'engine' || variable.source === 'marker') {
      if (variable.source === 'marker' && question?.type === 'password' && survey) {
        issues.push(passwordMarkerIssue(survey.template, name));
      }
      entries.push([name, variable.value]);
      continue;
    }
    const answer = survey && question ? answerQuestion(question, variable.value) : undefined;
    if (survey && question && answer) {
      if ('problem' in answer) {
        issues.push(answerIssue(survey.template, name, variable, question.type, answer.problem));
      } else {
        entries.push([name, answer.value]);
      }
    } else if (variable.source === 'configMap') {
      entries.push([name, variable.value]);
    } else {
      const coerced = coercedParameter(name, variable.value);
      if ('issue' in coerced) issues.push(coerced.issue);
      else entries.push([name, coerced.value]);
    }
  }
  // fromEntries defines own properties, so a parameter named `__proto__` stays a plain key.
  return { extraVars: Object.fromEntries(entries), issues };
}

/** What a question's rules find wrong with a parameter or a ConfigMap value, naming it. */
function answerIssue(
  template: Pick<JobTemplate, 'id' | 'name'>,
  name: string,
  variable: LaunchVariable,
  type: string,
  problem: string,
): FieldIssue {
  const question = `the ${type} survey question of AWX job template "${template.name}" (id ${template.id}) that asks for ${name}`;
  if (variable.source === 'configMap') {
    return {
      path: `dependencies.configMaps[${variable.index}].name`,
      message: `key "${variable.key}" of ConfigMap ${variable.configMap} (extra var ${name}) ${problem} for ${question}`,
    };
  }
  return { path: `spec.parameters.${name}`, message: `${problem} for ${question}` };
}

function passwordMarkerIssue(template: Pick<JobTemplate, 'id' | 'name'>, marker: string) {
  return {
    path: jobTemplateNamePath,
    message:
      `AWX job template "${template.name}" (id ${template.id}) asks for ${marker} with a ` +
      `password survey question, so AWX shows it as $encrypted$ in the job's extra_vars and the ` +
      `engine could not tell the job from others: make it a text question, or remove it from ` +
      `the survey and enable "Prompt on launch" for Variables (ask_variables_on_launch)`,
  };
}

/**
 * Builds the launch's extra_vars (`launchVariables`, then `typedExtraVars`): a ConfigurationError
 * for every issue either finds.
 */
export function launchExtraVars(
  wfe: WorkflowExecution,
  identity: ExecutionIdentity,
  configMaps: readonly ConfigMapValues[],
  conventions: Conventions,
  survey?: TemplateSurvey,
): ExtraVars {
  const { extraVars, issues } = typedExtraVars(
    launchVariables(wfe, identity, configMaps, conventions),
    survey,
  );
  if (issues.length > 0) throw new ConfigurationError(issues);
  return extraVars;
}
