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
 * A reference in a script: to a param, in each of Tekton's three spellings (`$(params.name)`,
 * `$(params['name'])`, `$(params["name"])`), or to one of the run's context variables Tekton
 * defines (`$(context.taskRun.name)`, ...). Any other text after `$(params.`, `$(params[` or
 * `$(context.` (Tekton's array and object references, a context variable it does not define, a
 * missing `)`) matches with no group set: it is no reference this controller substitutes, and
 * passed on it would run as a command substitution of a command named `params...` or
 * `context...`, which fails in silence inside an argument.
 */
const reference =
  /\$\((?:params(?:\.(?<dotted>[A-Za-z_][A-Za-z0-9_-]*)\)|\[(?<quote>['"])(?<quoted>[A-Za-z_][A-Za-z0-9_-]*)\k<quote>\]\)|[.[])|context\.(?:(?<context>taskRun\.name|taskRun\.namespace|taskRun\.uid|task\.name|task\.retry-count)\))?)/g;

/** The run a Task's steps are resolved for: what its context variables stand for. */
export interface RunContext {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string | undefined;
}

type ContextVariable =
  | 'taskRun.name'
  | 'taskRun.namespace'
  | 'taskRun.uid'
  | 'task.name'
  | 'task.retry-count';

type Referenced =
  | { readonly param: string }
  | { readonly context: ContextVariable }
  | { readonly malformed: 'params' | 'context' };

/** A match of `reference` that refers to something: a param, or a context variable. */
type Reference = Exclude<Referenced, { readonly malformed: unknown }>;

type Groups = Partial<Record<'dotted' | 'quoted' | 'context', string>>;

/** What a match of `reference` (its text and named groups) refers to. */
function referenced(text: string, groups: Groups | undefined): Referenced {
  const param = groups?.dotted ?? groups?.quoted;
  if (param !== undefined) return { param };
  if (groups?.context !== undefined) return { context: groups.context as ContextVariable };
  return { malformed: text.startsWith('$(context') ? 'context' : 'params' };
}

/**
 * The value of each context variable, as Tekton's `getContextReplacements` gives them: the
 * run's uid is "" before the API server stored the run, and the retry count is 0, since this
 * controller runs a TaskRun once.
 */
function contextValues(run: RunContext, taskName: string): Record<ContextVariable, string> {
  return {
    'taskRun.name': run.name,
    'taskRun.namespace': run.namespace,
    'taskRun.uid': run.uid ?? '',
    'task.name': taskName,
    'task.retry-count': '0',
  };
}

/** How each kind of text that is no reference should have been written. */
const spellings = {
  params: `no reference to a param: write $(params.<name>), $(params['<name>']) or $(params["<name>"]) (params are strings)`,
  context:
    'no context variable this controller substitutes: write $(context.taskRun.name), $(context.taskRun.namespace), $(context.taskRun.uid), $(context.task.name) or $(context.task.retry-count)',
} as const;

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
 * The steps the pod engine runs for `run`: the Task's, with every reference in a script (see
 * `reference`) replaced by the param's value or the context variable's, verbatim and in one pass
 * (as Tekton does: a value becomes shell text, and is not itself searched for references). A
 * reference to a param the Task does not declare, `$(params.`, `$(params[` or `$(context.` text
 * that is no reference, or scripts of more than `maxScriptBytes` in the Pod once substituted
 * (measured before they are built), is an InvalidParamsError.
 */
export function resolveSteps(task: TaskSpec, run: TaskRunSpec, context: RunContext): PodConfig {
  const values = resolveParams(task, run);
  const contexts = contextValues(context, run.taskRef.name);
  const substitute = (ref: Reference): string | undefined =>
    'context' in ref ? contexts[ref.context] : values.get(ref.param);
  const issues: FieldIssue[] = [];
  const valueBytes = new Map<string, number>();
  let bytes = 0;
  task.steps.forEach((step, index) => {
    bytes += podBytes(step.script);
    // Each kind once per step: a script may hold thousands.
    const malformed = new Set<string>();
    for (const match of step.script.matchAll(reference)) {
      const [text] = match;
      const ref = referenced(text, match.groups);
      if ('malformed' in ref) {
        if (!malformed.has(ref.malformed)) {
          // The Task's own text, quoted in the run's status: shown as escapes where unprintable.
          const at = printableText(
            step.script.slice(match.index, match.index + 40).split('\n')[0] as string,
          );
          issues.push({
            path: `task.spec.steps.${index}.script`,
            message: `step ${step.name} holds "${at}", which is ${spellings[ref.malformed]}`,
          });
        }
        malformed.add(ref.malformed);
        continue;
      }
      const value = substitute(ref);
      if (value === undefined) {
        issues.push({
          path: `task.spec.steps.${index}.script`,
          message: `step ${step.name} refers to param "${'param' in ref ? ref.param : ref.context}", which the Task does not declare`,
        });
        continue;
      }
      if (!valueBytes.has(text)) valueBytes.set(text, podBytes(value));
      bytes += (valueBytes.get(text) as number) - podBytes(text);
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
    // Every match left is a reference with a value: the others were refused above.
    script: step.script.replace(reference, (...args) => {
      // With named groups, the replacer's last argument holds them.
      const ref = referenced(args[0] as string, args.at(-1) as Groups);
      return substitute(ref as Reference) as string;
    }),
  }));
  return { steps, ...(task.parallel ? { parallel: true } : {}) };
}
