/**
 * The TaskAction resource: its schemas (spec, status, the lenient view a reconcile reads first)
 * and the checks that resolve an action before anything runs. Past 350 lines because the
 * schemas extend each other and the checks apply the same field rules (environment names,
 * durations, image references) to them; split, one resource's shape would be read across files.
 */
import {
  CacheStatusFieldsSchema,
  ConditionActionStatusSchema,
  conditionDeadline,
  phaseOf,
  type Validation,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  goDurationPattern,
  isCodeLoadingVariable,
  ObjectMetaSchema,
  ociReferencePattern,
  parseGoDuration,
  parseTimeout,
  printableText,
  type Registry,
  referenceDigestProblem,
  targetResourceParameter,
  toFieldIssues,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import {
  execStringMaxLength,
  execStringTooLong,
  refuseLongArgument,
  refuseLongVariables,
} from './exec-strings.js';
import { refuseImage } from './image-policy.js';
import { describeRouting, engineFor, type TaskTypeRouting } from './routing.js';
import { defaultAttemptTimeouts, refuseTimeout } from './timeout-policy.js';

/** Variables the controller sets in every attempt's environment (see attempt.ts). */
export const reservedEnvNames = [
  targetResourceParameter,
  'TASK_ATTEMPT',
  'TASK_INPUT_URI',
  'TASK_OUTPUT_PREFIX',
  'TASK_PREVIOUS_CHECKPOINT',
] as const;

const EnvNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'is not a valid variable name: use letters, digits and "_", not starting with a digit',
  })
  .refine((name) => !(reservedEnvNames as readonly string[]).includes(name), {
    error: `is set by the controller (reserved: ${reservedEnvNames.join(', ')})`,
  })
  // The job engine refuses these when it builds the Job; refused here, the action is
  // InvalidSpec at admission, naming its own field, before a finalizer or a status.
  .refine((name) => !isCodeLoadingVariable(name), {
    error:
      "changes which code the task's programs load or run (LD_*, BASH_ENV, NODE_OPTIONS, ...); pass the value under another name",
  });

/**
 * Text the kernel takes as a C string (an argument of `execve`, a variable's value), which a NUL
 * ends: the container runtime cannot start a process with one, so every attempt would fail to
 * start (and be retried) instead of the action being refused. A pattern, so the CRD carries it
 * and the API server refuses such an action at create.
 */
const withoutNul = '[^\\x00]*';

/**
 * Text the kernel takes as one string of `execve`: no NUL, and its length bounded first and
 * alone (`abort`), so an over-long one costs no pattern match; its size in bytes is checked
 * where it is known whether it is an argument or a variable (exec-strings.ts).
 */
const cString = z
  .string()
  .max(execStringMaxLength, {
    abort: true,
    error: (issue) => execStringTooLong(String(issue.input)),
  })
  .regex(new RegExp(`^${withoutNul}$`), {
    error: 'must not contain a NUL character: the kernel ends an argument or a value at one',
  });

const execArgument = cString.superRefine(refuseLongArgument);

/** Variables of the attempt's environment, each `NAME=value` within the kernel's limit too. */
const EnvSchema = z.record(EnvNameSchema, cString).superRefine(refuseLongVariables);

/**
 * The longest `inputUri` and `runOutputBase` (Flyte's CRD sets none). The controller copies them
 * into every attempt's environment, every sink event and the cache entry, so an author must not
 * choose their size; the CRD carries the bound, so the API server refuses a longer one at create.
 */
export const uriMaxLength = 2048;

/**
 * The longest Go duration: Go's largest Duration spelled out ("2562047h47m16.854775807s") is
 * 24 characters. The bound is checked first and stops the checks after it (`abort`), so an
 * over-long value costs no pattern match at all.
 */
const durationMaxLength = 64;

const GoDurationSchema = z
  .string()
  .max(durationMaxLength, { abort: true })
  .regex(goDurationPattern, { error: 'must be a Go duration such as "30m" or "1h30m"' });

/**
 * Why an engine would refuse a Go duration as an attempt's deadline (`parseTimeout`: zero,
 * negative, or longer than Go can hold), so such an action is InvalidSpec at admission instead
 * of failing its first launch, after a finalizer, a Queued status and maybe a reservation.
 */
function deadlineRefusal(text: string): string | undefined {
  if (!goDurationPattern.test(text)) return undefined;
  try {
    parseTimeout(text, 'timeout');
    return undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues[0]?.message;
    throw error;
  }
}

const ociReference = new RegExp(ociReferencePattern);

/** The most `taskTemplate.retries` a task may set. */
export const maxRetries = 10;

/**
 * The most attempts any action has (`maxRetries + 1`): the CRD's maximum of `status.attempts`,
 * which a signaller may write, so the API server refuses a forged count no action could reach.
 */
export const maxAttempts = maxRetries + 1;

export const TaskTemplateSchema = z.object({
  /**
   * The container image the task runs: an OCI reference, checked by the CRD too, since the
   * job engine's own check comes only when an attempt's Job is built.
   */
  image: z
    .string()
    .max(512, { abort: true })
    .regex(ociReference, {
      error: (issue) => {
        const digest = referenceDigestProblem(String(issue.input));
        return digest
          ? `its digest: ${digest}`
          : 'must be an OCI image reference, its repository path in lowercase, such as "registry.example.com/train:1.4"';
      },
    }),
  /** The image's entrypoint and arguments; engines that cannot set them run the image's own. */
  command: z.array(execArgument).optional(),
  args: z.array(execArgument).optional(),
  env: EnvSchema.optional(),
  /** Attempts after a failed one: the task gets `retries + 1` attempts. Default 0. */
  retries: z.number().int().min(0).max(maxRetries).optional(),
  /** Deadline of one attempt, a Go duration such as "30m". */
  timeout: GoDurationSchema.superRefine((text, ctx) => {
    const refused = deadlineRefusal(text);
    if (refused) ctx.addIssue({ code: 'custom', message: refused });
  }).optional(),
  /**
   * With `spec.cacheKey`, only one action per key runs at a time; the others wait for its
   * outputs (Flyte's task metadata `cache_serializable`). Default false.
   */
  cacheSerializable: z.boolean().optional(),
});

/** What names an action in its run, whatever its type. */
const actionIdentity = {
  runName: z.string().min(1).max(30),
  project: z.string().min(1).max(63),
  domain: z.string().min(1).max(63),
  /** Unique within the run. */
  actionName: z.string().min(1).max(30),
  /** The action that started this one; the controller makes that TaskAction its owner. */
  parentActionName: z.string().min(1).max(30).optional(),
};

/** `task` (the default) runs a task template on an engine; `condition` waits for a signal. */
export const ActionTypeSchema = z.enum(['task', 'condition']);

/**
 * The TaskAction spec of a task (Flyte's, with the task template as structured fields instead
 * of a serialized proto). The CRD leaves every field optional and the controller checks them,
 * so a missing field ends in `Failed/InvalidSpec` naming it rather than in a refused create.
 */
export const TaskActionSpecSchema = z.object({
  ...actionIdentity,
  actionType: z.literal('task').optional(),
  /** Selects the engine (see TaskTypeRouting). */
  taskType: z.string().min(1).max(63),
  taskTemplate: TaskTemplateSchema,
  inputUri: z.string().min(1).max(uriMaxLength),
  /** Attempt n of this action writes under `<runOutputBase>/<actionName>/<n>`. */
  runOutputBase: z.string().min(1).max(uriMaxLength),
  /** Recorded for the run's scheduler; the job engine does not act on it. */
  interruptible: z.boolean().optional(),
  /** Run-scoped environment; the task template's `env` wins on a clash. */
  envVars: EnvSchema.optional(),
  /**
   * Outputs of an earlier action of the same project, domain and key (in this namespace) are
   * reused instead of running the task; a successful run stores its own (Flyte's `cacheKey`).
   */
  cacheKey: z.string().min(1).max(256).optional(),
});

/**
 * What a condition action waits for (Flyte's `ConditionAction`, as structured fields): a value
 * of `type`, signalled into `status.signalValue` as text.
 */
export const ConditionSpecSchema = z.object({
  /** The name the workflow awaits the condition by. */
  name: z.string().min(1).max(253),
  /** The signal value's type; the API server refuses a signal that is not one. */
  type: z.enum(['boolean', 'integer', 'float', 'string']),
  /** Shown to whoever is asked to signal. */
  prompt: z.string().max(4096).optional(),
  description: z.string().max(2048).optional(),
  /** Without a signal this long after creation, the action fails `TimedOut`; default never. */
  timeout: GoDurationSchema.refine((text) => (parseGoDuration(text) ?? 0) > 0, {
    error: 'must be longer than zero; leave it out to wait without a deadline',
  }).optional(),
});

/** A condition action needs its identity and its condition, none of a task's fields. */
export const ConditionActionSpecSchema = z.object({
  ...actionIdentity,
  actionType: z.literal('condition'),
  conditionSpec: ConditionSpecSchema,
});

/** Every field a TaskAction of either type may carry: the CRD's spec. */
export const TaskActionResourceSpecSchema = TaskActionSpecSchema.extend({
  actionType: ActionTypeSchema.optional(),
  conditionSpec: ConditionSpecSchema.optional(),
});

/** A TaskAction's status: an action's, the signal of a condition, and what the cache did. */
export const TaskActionStatusSchema = ConditionActionStatusSchema.extend({
  ...CacheStatusFieldsSchema.shape,
  /**
   * Status changes written so far: what tells every event of the action apart (see
   * `transitionEvent`), where the phase history, capped, stops growing and a phase kept with a
   * new failure count comes back to an earlier status.
   */
  transitions: z.number().int().nonnegative().optional(),
});

/**
 * The status as the CRD stores it: `attempts` at most `maxAttempts`. Only the CRD has the bound:
 * an action stored before it (a forged count of 2^31) still reads with its status, which the
 * controller then refuses naming the count (`refuseAttemptNumber`), instead of reading as none.
 */
export const TaskActionStoredStatusSchema = TaskActionStatusSchema.extend({
  attempts: TaskActionStatusSchema.shape.attempts.unwrap().max(maxAttempts).optional(),
});

// The controller is the only writer of status but for the signal; anything else there is
// dropped, not trusted.
const StatusSchema = TaskActionStatusSchema.optional().catch(undefined);

export const TaskActionSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: TaskActionSpecSchema,
  status: StatusSchema,
});

export const ConditionActionSchema = TaskActionSchema.extend({ spec: ConditionActionSpecSchema });

export type TaskTemplate = z.infer<typeof TaskTemplateSchema>;
export type TaskActionSpec = z.infer<typeof TaskActionSpecSchema>;
export type TaskAction = z.infer<typeof TaskActionSchema>;
export type ConditionAction = z.infer<typeof ConditionActionSchema>;

const optionalText = z.string().optional().catch(undefined);

/**
 * What the controller reads of any TaskAction, valid or not: metadata, status and the names
 * that identify it in events. How an invalid one still gets a status and an event.
 */
const TaskActionViewSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      runName: optionalText,
      project: optionalText,
      domain: optionalText,
      actionName: optionalText,
      parentActionName: optionalText,
      actionType: optionalText,
      taskType: optionalText,
      // Events quote it on every transition: one too long for the spec is no output location.
      runOutputBase: z.string().max(uriMaxLength).optional().catch(undefined),
    })
    .catch({}),
  status: TaskActionStatusSchema.catch({}),
});

export type TaskActionView = z.infer<typeof TaskActionViewSchema>;

export function taskActionView(object: KubeObject): TaskActionView {
  return TaskActionViewSchema.parse({
    ...object,
    spec: object.spec ?? {},
    status: object.status ?? {},
  });
}

export type Rejection = 'InvalidSpec' | 'PluginNotFound';

/**
 * A TaskAction's fields (the message names each missing or malformed one) and the registered
 * engine its task type maps to: all that finding its executions needs.
 */
export function resolveTaskAction(
  object: KubeObject,
  routing: TaskTypeRouting,
  registry: Pick<Registry, 'has'>,
): Validation<{ action: TaskAction; engine: string }, Rejection> {
  const parsed = TaskActionSchema.safeParse(object);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, '', object);
    return { valid: false, reason: 'InvalidSpec', message: new ConfigurationError(issues).message };
  }
  const action = parsed.data;
  if (action.spec.taskTemplate.cacheSerializable && action.spec.cacheKey === undefined) {
    const issue = {
      path: 'spec.taskTemplate.cacheSerializable',
      message: 'serializes on the cache key: set spec.cacheKey, or leave cacheSerializable out',
    };
    return { valid: false, reason: 'InvalidSpec', message: new ConfigurationError(issue).message };
  }
  const engine = engineFor(action.spec.taskType, routing, registry);
  if (engine === undefined) {
    return {
      valid: false,
      reason: 'PluginNotFound',
      // The type is the author's free text, quoted in the status and a Kubernetes Event.
      message: `no engine runs task type "${printableText(action.spec.taskType)}"; task types: ${describeRouting(routing, registry)}`,
    };
  }
  return { valid: true, value: { action, engine } };
}

/**
 * Why an attempt of `template` may not be launched: an image `--allowed-images` does not allow,
 * or a timeout past `--max-timeout`. Undefined when it may.
 */
export function refuseAttempt(
  template: TaskTemplate,
  allowedImages: readonly string[],
  maxTimeout: string,
): string | undefined {
  return refuseImage(template.image, allowedImages) ?? refuseTimeout(template.timeout, maxTimeout);
}

/**
 * Checks a TaskAction before anything is done for it: `resolveTaskAction`, then that
 * `--allowed-images` allows its image and `--max-timeout` its timeout (`refuseAttempt`). A refused image is InvalidSpec: the action conditions
 * have no Forbidden, and InvalidSpec is their rejection of a spec. Here the image is judged
 * only while the action has no phase, so narrowing `--allowed-images` later does not fail an
 * action while its attempt runs on. A phase proves no admission (a signaller may write any
 * status field), so the reconciler judges the image again before it creates each attempt's Job.
 * A finalizer proves nothing either: its author may set that at create.
 */
export function validateTaskAction(
  object: KubeObject,
  routing: TaskTypeRouting,
  registry: Pick<Registry, 'has'>,
  allowedImages: readonly string[],
  maxTimeout: string = defaultAttemptTimeouts.maxTimeout,
): Validation<{ action: TaskAction; engine: string }, Rejection> {
  const resolved = resolveTaskAction(object, routing, registry);
  if (!resolved.valid || phaseOf(resolved.value.action.status) !== undefined) return resolved;
  const refused = refuseAttempt(resolved.value.action.spec.taskTemplate, allowedImages, maxTimeout);
  return refused === undefined
    ? resolved
    : { valid: false, reason: 'InvalidSpec', message: refused };
}

/** Whether the controller handles the action as a condition rather than a task. */
export function isConditionAction(view: TaskActionView): boolean {
  return view.spec.actionType === 'condition';
}

/**
 * A condition action's fields (the message names each missing or malformed one) and when it
 * times out without a signal: all the controller needs, since it runs nothing.
 */
export function resolveConditionAction(
  object: KubeObject,
): Validation<{ action: ConditionAction; deadline: Date | undefined }, 'InvalidSpec'> {
  const parsed = ConditionActionSchema.safeParse(object);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error, '', object);
    return { valid: false, reason: 'InvalidSpec', message: new ConfigurationError(issues).message };
  }
  const action = parsed.data;
  const { timeout } = action.spec.conditionSpec;
  const timeoutMs = timeout === undefined ? undefined : parseGoDuration(timeout);
  const deadline = conditionDeadline(action.metadata.creationTimestamp, timeoutMs);
  return { valid: true, value: { action, deadline } };
}
