import { ActionStatusSchema, hasFinalizer, type Validation } from '@roundhouse/controller';
import {
  ConfigurationError,
  goDurationPattern,
  ObjectMetaSchema,
  ociReferencePattern,
  type Registry,
  targetResourceParameter,
  toFieldIssues,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import { refuseImage } from './image-policy.js';
import { abortFinalizer } from './resource.js';
import { describeRouting, engineFor, type TaskTypeRouting } from './routing.js';

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
  });

const EnvSchema = z.record(EnvNameSchema, z.string());

export const TaskTemplateSchema = z.object({
  /**
   * The container image the task runs: an OCI reference, checked by the CRD too, since the
   * job engine's own check comes only when an attempt's Job is built.
   */
  image: z.string().max(512).regex(new RegExp(ociReferencePattern), {
    error:
      'must be an OCI image reference, its repository path in lowercase, such as "registry.example.com/train:1.4"',
  }),
  /** The image's entrypoint and arguments; engines that cannot set them run the image's own. */
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: EnvSchema.optional(),
  /** Attempts after a failed one: the task gets `retries + 1` attempts. Default 0. */
  retries: z.number().int().min(0).max(10).optional(),
  /** Deadline of one attempt, a Go duration such as "30m". */
  timeout: z
    .string()
    .regex(goDurationPattern, { error: 'must be a Go duration such as "30m" or "1h30m"' })
    .optional(),
});

/**
 * The TaskAction spec (Flyte's, with the task template as structured fields instead of a
 * serialized proto). The CRD leaves every field optional and the controller checks them, so a
 * missing field ends in `Failed/InvalidSpec` naming it rather than in a refused create.
 */
export const TaskActionSpecSchema = z.object({
  runName: z.string().min(1).max(30),
  project: z.string().min(1).max(63),
  domain: z.string().min(1).max(63),
  /** Unique within the run. */
  actionName: z.string().min(1).max(30),
  /** The action that started this one; the controller makes that TaskAction its owner. */
  parentActionName: z.string().min(1).max(30).optional(),
  /** Selects the engine (see TaskTypeRouting). */
  taskType: z.string().min(1).max(63),
  taskTemplate: TaskTemplateSchema,
  inputUri: z.string().min(1),
  /** Attempt n of this action writes under `<runOutputBase>/<actionName>/<n>`. */
  runOutputBase: z.string().min(1),
  /** Recorded for the run's scheduler; the job engine does not act on it. */
  interruptible: z.boolean().optional(),
  /** Run-scoped environment; the task template's `env` wins on a clash. */
  envVars: EnvSchema.optional(),
});

export const TaskActionSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: TaskActionSpecSchema,
  // The controller is the only writer of status; anything else there is dropped, not trusted.
  status: ActionStatusSchema.optional().catch(undefined),
});

export type TaskTemplate = z.infer<typeof TaskTemplateSchema>;
export type TaskActionSpec = z.infer<typeof TaskActionSpecSchema>;
export type TaskAction = z.infer<typeof TaskActionSchema>;

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
      taskType: optionalText,
    })
    .catch({}),
  status: ActionStatusSchema.catch({}),
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
    const issues = toFieldIssues(parsed.error);
    return { valid: false, reason: 'InvalidSpec', message: new ConfigurationError(issues).message };
  }
  const action = parsed.data;
  const engine = engineFor(action.spec.taskType, routing, registry);
  if (engine === undefined) {
    return {
      valid: false,
      reason: 'PluginNotFound',
      message: `no engine runs task type "${action.spec.taskType}"; task types: ${describeRouting(routing, registry)}`,
    };
  }
  return { valid: true, value: { action, engine } };
}

/**
 * Checks a TaskAction before anything is done for it: `resolveTaskAction`, then that
 * `--allowed-images` allows its image. A refused image is InvalidSpec: the action conditions
 * have no Forbidden, and InvalidSpec is their rejection of a spec. The image is judged once, at
 * admission (the spec is immutable): an action holding the finalizer was admitted, and
 * narrowing `--allowed-images` later must not fail it while its attempt runs on.
 */
export function validateTaskAction(
  object: KubeObject,
  routing: TaskTypeRouting,
  registry: Pick<Registry, 'has'>,
  allowedImages: readonly string[],
): Validation<{ action: TaskAction; engine: string }, Rejection> {
  const resolved = resolveTaskAction(object, routing, registry);
  if (!resolved.valid || hasFinalizer(object, abortFinalizer)) return resolved;
  const refused = refuseImage(resolved.value.action.spec.taskTemplate.image, allowedImages);
  return refused === undefined
    ? resolved
    : { valid: false, reason: 'InvalidSpec', message: refused };
}
