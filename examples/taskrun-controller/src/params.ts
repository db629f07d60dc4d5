import {
  ConfigurationError,
  type FieldIssue,
  printableText,
  RoundhouseError,
} from '@roundhouse/core';
import type { PodConfig, TaskRunSpec, TaskSpec } from '@roundhouse/pod';

/** The TaskRun's params do not fit its Task: an undeclared, duplicate or missing param. */
export class InvalidParamsError extends RoundhouseError {
  readonly reason = 'InvalidParams';

  constructor(readonly issues: readonly FieldIssue[]) {
    // The message lands in the run's status: described as a ConfigurationError is, it is
    // bounded however many params a run gets wrong.
    super(new ConfigurationError(issues).message);
  }
}

/**
 * A reference to a param in a script, in each of Tekton's three spellings: `$(params.name)`,
 * `$(params['name'])` and `$(params["name"])`. Any other text after `$(params.` or `$(params[`
 * (Tekton's array and object references, a missing `)`) matches the last alternative alone: it is
 * no reference this controller substitutes, and passed on it would run as a command
 * substitution of a command named `params...`, which fails in silence inside an argument.
 */
const reference =
  /\$\(params(?:\.([A-Za-z_][A-Za-z0-9_-]*)\)|\[(['"])([A-Za-z_][A-Za-z0-9_-]*)\2\]\)|[.[])/g;

/** The param a match of `reference` names; undefined for text that is no reference. */
const referenced = (match: RegExpMatchArray): string | undefined => match[1] ?? match[3];

/**
 * The value of every param the Task declares: the TaskRun's, else the Task's default. Throws
 * InvalidParamsError naming every param the run gives but the Task does not declare, gives
 * twice, or leaves without a value.
 */
export function resolveParams(task: TaskSpec, run: TaskRunSpec): Map<string, string> {
  const issues: FieldIssue[] = [];
  const declared = new Set((task.params ?? []).map((p) => p.name));
  const given = new Map<string, string>();
  (run.params ?? []).forEach((param, index) => {
    const path = `spec.params.${index}.name`;
    if (!declared.has(param.name)) {
      issues.push({ path, message: `param "${param.name}" is not declared by the Task` });
    } else if (given.has(param.name)) {
      issues.push({ path, message: `param "${param.name}" is given twice` });
    }
    given.set(param.name, param.value);
  });
  const values = new Map<string, string>();
  for (const param of task.params ?? []) {
    const value = given.get(param.name) ?? param.default;
    if (value === undefined) {
      issues.push({
        path: 'spec.params',
        message: `param "${param.name}" has no default and the TaskRun gives no value`,
      });
    } else {
      values.set(param.name, value);
    }
  }
  if (issues.length) throw new InvalidParamsError(issues);
  return values;
}

/**
 * The most script bytes a run's steps may hold once its params are substituted: a whole Pod must
 * fit in etcd (1.5 MiB by default), so more could never be created. A value is pasted at every
 * reference, so a few references to a long value would otherwise make the controller build a
 * string of gigabytes before the API server could refuse it.
 */
const maxScriptBytes = 1_572_864;

/**
 * The bytes `text` takes in the Pod: UTF-8, escaped as a JSON string, every `$` doubled for the
 * kubelet. A character count would pass a value of `$`, multi-byte or control characters that
 * the Pod's size check then blames on the Task.
 */
function podBytes(text: string): number {
  let dollars = 0;
  for (const char of text) if (char === '$') dollars++;
  return Buffer.byteLength(JSON.stringify(text)) - 2 + dollars;
}

/**
 * The steps the pod engine runs for this TaskRun: the Task's, with every reference to a param
 * in a script (see `reference`) replaced by the param's value, verbatim (as Tekton does: the
 * value becomes shell text). A reference to a param the Task does not declare, `$(params.` or
 * `$(params[` text that is no reference, or scripts of more than `maxScriptBytes` in the Pod
 * once substituted (measured before they are built), is an InvalidParamsError.
 */
export function resolveSteps(task: TaskSpec, run: TaskRunSpec): PodConfig {
  const values = resolveParams(task, run);
  const issues: FieldIssue[] = [];
  const valueBytes = new Map<string, number>();
  let bytes = 0;
  task.steps.forEach((step, index) => {
    bytes += podBytes(step.script);
    let malformed = false;
    for (const match of step.script.matchAll(reference)) {
      const [text] = match;
      const name = referenced(match);
      if (name === undefined) {
        // Once per step: a script may hold thousands.
        if (!malformed) {
          // The Task's own text, quoted in the run's status: shown as escapes where unprintable.
          const at = printableText(
            step.script.slice(match.index, match.index + 40).split('\n')[0] as string,
          );
          issues.push({
            path: `task.spec.steps.${index}.script`,
            message: `step ${step.name} holds "${at}", which is no reference to a param: write $(params.<name>), $(params['<name>']) or $(params["<name>"]) (params are strings)`,
          });
        }
        malformed = true;
        continue;
      }
      const value = values.get(name);
      if (value === undefined) {
        issues.push({
          path: `task.spec.steps.${index}.script`,
          message: `step ${step.name} refers to param "${name}", which the Task does not declare`,
        });
        continue;
      }
      if (!valueBytes.has(name)) valueBytes.set(name, podBytes(value));
      bytes += (valueBytes.get(name) as number) - podBytes(text);
    }
  });
  if (issues.length) throw new InvalidParamsError(issues);
  if (bytes > maxScriptBytes) {
    throw new InvalidParamsError([
      {
        path: 'spec.params',
        message: `the scripts would take ${bytes} bytes of the Pod once the params are substituted, more than a Pod can hold (${maxScriptBytes}); pass large data some other way than params`,
      },
    ]);
  }
  const steps = task.steps.map((step) => ({
    ...step,
    script: step.script.replace(
      reference,
      (_, dotted?: string, _quote?: string, quoted?: string) =>
        values.get((dotted ?? quoted) as string) as string,
    ),
  }));
  return { steps, ...(task.parallel ? { parallel: true } : {}) };
}
