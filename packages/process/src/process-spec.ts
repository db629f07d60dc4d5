import { z } from 'zod';
import { TaskLabelsSchema } from './labels.js';
import { taskMarkerVariable } from './task-marker.js';
import { TaskNameSchema } from './task-name.js';

// The kernel passes arguments and environment as C strings: a NUL would silently cut them.
const argument = z.string().refine((s) => !s.includes('\0'), { error: 'must not contain NUL' });

export const EnvVarSchema = z.object({
  name: z
    .string()
    .min(1, { error: 'must not be empty' })
    .regex(/^[^=\0]+$/, { error: 'must not contain "=" or NUL' }),
  value: argument.optional(),
});

/**
 * Where a task runs: `Local` in the agent's own namespaces, `Remote` inside the main
 * container's namespaces (sidecar mode, through nsenter). The agent's default is
 * `Remote` when sidecar mode is on.
 */
export const ExecModeSchema = z.enum(['Local', 'Remote']);

/** Upper bound for `timeoutSeconds`: about 68 years, and still an int32 as Go clients send it. */
export const maxTimeoutSeconds = 2 ** 31 - 1;

const timeoutSeconds = z
  .int({ error: 'must be a whole number of seconds' })
  .positive({ error: 'must be positive' })
  .max(maxTimeoutSeconds, { error: `must be at most ${maxTimeoutSeconds} (about 68 years)` });

const argv = z
  .array(argument, { error: 'must be an array of strings' })
  .min(1, { error: 'must name the program to run' })
  .refine((command) => command[0] !== '', { error: 'the program name must not be empty' });

/**
 * A lifecycle hook, as OpenSandbox's `LifecycleHandler`: an argv (no shell unless it names
 * one), where it runs (default `Local`, whatever the agent's sidecar mode, as upstream, so the
 * agent's own mounts stay usable) and how long it may run (default: no limit).
 */
export const LifecycleHookSchema = z.object({
  exec: z.object(
    { command: argv },
    { error: 'must be {command: [...]}: the only hook action is exec' },
  ),
  execMode: ExecModeSchema.optional(),
  timeoutSeconds: timeoutSeconds.optional(),
});

/** `preStart` runs before the command; `postStop` once after the task has ended. */
export const LifecycleSchema = z.object(
  { preStart: LifecycleHookSchema.optional(), postStop: LifecycleHookSchema.optional() },
  { error: 'must be {preStart?, postStop?}' },
);

/**
 * A process task, as OpenSandbox's task-executor takes it (`process` of its Task). There is no
 * shell unless `command` names one: `command` and `args` are the argv. Unknown keys are
 * ignored, as the Go agent ignores them.
 */
export const ProcessSpecSchema = z.object({
  command: argv,
  args: z.array(argument, { error: 'must be an array of strings' }).optional(),
  env: z.array(EnvVarSchema).max(4096).optional(),
  workingDir: z
    .string()
    .startsWith('/', { error: 'must be an absolute path' })
    .refine((s) => !s.includes('\0'), { error: 'must not contain NUL' })
    .optional(),
  timeoutSeconds: timeoutSeconds.optional(),
  execMode: ExecModeSchema.optional(),
  lifecycle: LifecycleSchema.nullish(),
});

/**
 * Variables that make the agent's own programs that run a task, not only the task, load or run
 * code of the request's choosing: a task's environment is also the environment of the shim's
 * shell and, for a Remote task, of nsenter, which runs with the agent's privileges in the
 * agent's filesystem. The dynamic loader's (`LD_PRELOAD`, `LD_AUDIT`, `LD_LIBRARY_PATH`, ...,
 * and `GLIBC_TUNABLES`), and what bash takes from its environment even as `sh`: options
 * (`SHELLOPTS=errexit` makes the shim exit without recording the status), functions
 * (`BASH_FUNC_printf%%` replaces the builtin the shim writes the status with) and, for a shell
 * configured as bash, a file to run (`BASH_ENV`).
 */
const agentVariables = new Set(['GLIBC_TUNABLES', 'SHELLOPTS', 'BASHOPTS', 'BASH_ENV']);
const agentVariablePrefixes = ['LD_', 'BASH_FUNC_'];

/** Whether a task's `env` may not set `name` (see above). */
export function reachesAgentPrograms(name: string): boolean {
  return agentVariables.has(name) || agentVariablePrefixes.some((p) => name.startsWith(p));
}

const requestedEnvVarName = EnvVarSchema.shape.name
  .refine((name) => !reachesAgentPrograms(name), {
    error:
      'is read by the programs the agent starts to run the task (its shim, nsenter), not only by ' +
      'the task; set it inside the command instead (command: ["env", "NAME=value", ...])',
  })
  // The supervisor sets it over the request's own (see task-marker.ts): a value asked for would
  // be dropped without a word.
  .refine((name) => name !== taskMarkerVariable, {
    error:
      "is set by the supervisor to the task's uid, to find the task's processes by: pass the value under another name",
  });

/**
 * A process as a request may ask for it: the spec without the variables above. Records
 * keep the lenient `ProcessSpecSchema`, so one written before this rule is still read.
 */
export const RequestedProcessSpecSchema = ProcessSpecSchema.extend({
  env: z
    .array(EnvVarSchema.extend({ name: requestedEnvVarName }))
    .max(4096)
    .optional(),
});

export type ProcessSpec = z.infer<typeof ProcessSpecSchema>;
export type ExecMode = z.infer<typeof ExecModeSchema>;
export type LifecycleHook = z.infer<typeof LifecycleHookSchema>;
export type HookName = keyof z.infer<typeof LifecycleSchema>;

/** What a client asks the supervisor to run: a name, a process, optional labels and annotations. */
export const TaskRequestSchema = z.object({
  name: TaskNameSchema,
  process: RequestedProcessSpecSchema,
  labels: TaskLabelsSchema.optional(),
  annotations: TaskLabelsSchema.optional(),
});

export type TaskRequest = z.infer<typeof TaskRequestSchema>;

/** A desired task set (`sync`): requests whose names are distinct. */
export const DesiredTasksSchema = z.array(TaskRequestSchema).superRefine((tasks, context) => {
  const seen = new Set<string>();
  tasks.forEach((task, index) => {
    if (seen.has(task.name)) {
      context.addIssue({ code: 'custom', path: [index, 'name'], message: 'appears twice' });
    }
    seen.add(task.name);
  });
});

/**
 * The request in one canonical form: fixed key order, empty lists and nulls dropped, labels
 * and annotations sorted. Two requests mean the same task exactly when their canonical forms are equal, which
 * is how a repeated create is told from a conflicting one.
 */
export function canonicalRequest(request: TaskRequest): TaskRequest {
  const p = request.process;
  const lifecycle = canonicalLifecycle(p.lifecycle);
  const process: ProcessSpec = {
    command: [...p.command],
    ...(p.args?.length ? { args: [...p.args] } : {}),
    ...(p.env?.length ? { env: p.env.map((e) => ({ name: e.name, value: e.value ?? '' })) } : {}),
    ...(p.workingDir !== undefined ? { workingDir: p.workingDir } : {}),
    ...(p.timeoutSeconds !== undefined ? { timeoutSeconds: p.timeoutSeconds } : {}),
    ...(p.execMode !== undefined ? { execMode: p.execMode } : {}),
    ...(lifecycle ? { lifecycle } : {}),
  };
  const labels = sorted(request.labels);
  const annotations = sorted(request.annotations);
  return {
    name: request.name,
    process,
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

function canonicalLifecycle(lifecycle: ProcessSpec['lifecycle']) {
  const hook = (h: LifecycleHook | undefined) =>
    h && {
      exec: { command: [...h.exec.command] },
      ...(h.execMode !== undefined ? { execMode: h.execMode } : {}),
      ...(h.timeoutSeconds !== undefined ? { timeoutSeconds: h.timeoutSeconds } : {}),
    };
  const preStart = hook(lifecycle?.preStart);
  const postStop = hook(lifecycle?.postStop);
  if (!preStart && !postStop) return undefined;
  return { ...(preStart ? { preStart } : {}), ...(postStop ? { postStop } : {}) };
}

function sorted(map: Readonly<Record<string, string>> | undefined) {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Whether two requests describe the same task. */
export function sameRequest(a: TaskRequest, b: TaskRequest): boolean {
  return JSON.stringify(canonicalRequest(a)) === JSON.stringify(canonicalRequest(b));
}
