import {
  ConfigurationError,
  type Conventions,
  type Dependencies,
  executionMetadata,
  executionResourceName,
  parameterEnv,
  parseTimeout,
  requestedDependencies,
  requestedServiceAccount,
  serviceAccountField,
  toFieldIssues,
  type WorkflowExecution,
} from '@roundhouse/core';
import { z } from 'zod';
import { bundleProgram } from './bundle-program.js';
import { execLimitIssues } from './exec-limits.js';
import {
  ExecModeSchema,
  LifecycleSchema,
  maxTimeoutSeconds,
  type TaskRequest,
  TaskRequestSchema,
} from './process-spec.js';

const engineConfigPath = 'spec.workflowRef.engineConfig';

// The kernel takes arguments and paths as C strings: a NUL would silently cut them.
const cString = z.string().refine((s) => !s.includes('\0'), { error: 'must not contain NUL' });

/**
 * `spec.workflowRef.engineConfig` of a `process` or `agent` execution. Every key is optional;
 * unknown keys are refused, so a misspelt `comand` is an error rather than a silent default.
 */
export const ProcessEngineConfigSchema = z.strictObject({
  /**
   * The argv to run; default `[spec.workflowRef.executionBundle]`. Refused unless the engine
   * allows command overrides (see ExecutionTaskSettings).
   */
  command: z.array(cString).min(1, { error: 'must name the program to run' }).optional(),
  /**
   * Arguments after `command` (or the bundle). Refused, as `command`, unless the engine allows
   * command overrides: arguments decide what an interpreter or a tool runs.
   */
  args: z.array(cString).optional(),
  /**
   * Absolute working directory; default the task's own directory (Local) or the main
   * container's (Remote). Refused, as `command`, unless the engine allows command overrides.
   */
  workingDir: cString.startsWith('/', { error: 'must be an absolute path' }).optional(),
  /**
   * Where the task runs on an agent in sidecar mode; default the agent's setting. Refused, as
   * `command`, unless the engine allows command overrides.
   */
  execMode: ExecModeSchema.optional(),
  /**
   * preStart and postStop hooks, in the agent's own schema. Strict at this level only, so a
   * misspelt hook name is refused instead of silently never running. Refused, as `command`,
   * unless the engine allows command overrides.
   */
  lifecycle: LifecycleSchema.strict().optional(),
});

export type ProcessEngineConfig = z.infer<typeof ProcessEngineConfigSchema>;

export interface ExecutionTaskSettings {
  readonly engine: string;
  readonly conventions: Conventions;
  /** Go duration used when `spec.executionConfig.timeout` is unset. */
  readonly defaultTimeout?: string | undefined;
  /**
   * The directory of bundles, an absolute path where tasks run: a bundle names a file under it
   * (`team/restart` runs `<bundleRoot>/team/restart`), and nothing else runs. Unset: a bundle
   * is a program name on PATH, and one with a `/` is refused (see `bundleProgram`).
   */
  readonly bundleRoot?: string | undefined;
  /**
   * Let `engineConfig.command` and `engineConfig.lifecycle` run programs other than the execution
   * bundle, `engineConfig.args` hand it arguments, `engineConfig.execMode` choose the container it
   * runs in and `engineConfig.workingDir` the directory. Off by default: a controller's bundle
   * policy (`--allowed-bundles`) checks only `spec.workflowRef.executionBundle`, and stays
   * engine-neutral, so an override would run whatever an author names past it (`sh -c`,
   * `python -c`, a tool's plugin flag), or run the bundle beside the agent's own token and data.
   * Without it the allow-list bounds the whole argv, and the author's values reach the bundle only
   * as parameters.
   */
  readonly allowCommandOverride?: boolean | undefined;
}

/** The task name of an execution: its `executionRef`, else the target's lock name. */
export function executionTaskName(wfe: WorkflowExecution, conventions: Conventions): string {
  return (
    wfe.status?.executionRef?.name ??
    executionResourceName(wfe.spec.targetResource, conventions.namePrefix)
  );
}

/**
 * The task that runs `wfe`: named for the target's lock, labelled and annotated with its owner
 * (the uid too, so a WorkflowExecution created again under the same name never adopts its
 * previous incarnation's task), running
 * the execution bundle as an executable path (or `engineConfig.command`, where allowed) with the
 * parameters in the environment (`TARGET_RESOURCE` first), and the execution's timeout in
 * whole seconds. Pure; bad input throws ConfigurationError naming each field. Things the
 * engine cannot honour are returned as warnings.
 */
export function executionTask(
  wfe: WorkflowExecution,
  dependencies: Dependencies | undefined,
  settings: ExecutionTaskSettings,
): { task: TaskRequest; warnings: string[] } {
  const { engine, conventions } = settings;
  const config = parseEngineConfig(wfe);
  const { executionBundle } = wfe.spec.workflowRef;
  // Only a bundle that runs needs a program: engineConfig.command replaces it.
  const program =
    config.command === undefined ? bundleProgram(executionBundle, settings.bundleRoot) : undefined;
  if (!settings.allowCommandOverride) refuseOverrides(config);
  if (dependencies?.secrets?.length || dependencies?.configMaps?.length) {
    throw new ConfigurationError({
      path: requestedDependencies(wfe).path,
      message: `the ${engine} engine cannot mount Secrets or ConfigMaps; use the job or tekton engine`,
    });
  }
  const timeoutField = wfe.spec.executionConfig?.timeout
    ? { path: 'spec.executionConfig.timeout', value: wfe.spec.executionConfig.timeout }
    : settings.defaultTimeout
      ? { path: 'defaultTimeout', value: settings.defaultTimeout }
      : undefined;
  const timeout = timeoutField && timeoutSeconds(timeoutField.value, timeoutField.path);
  const metadata = executionMetadata(wfe, engine, conventions);
  const request = {
    name: executionResourceName(wfe.spec.targetResource, conventions.namePrefix),
    labels: { ...metadata.labels },
    annotations: { ...metadata.annotations },
    process: {
      command: config.command ?? [program ?? executionBundle],
      ...(config.args?.length ? { args: config.args } : {}),
      env: parameterEnv(wfe.spec.targetResource, wfe.spec.parameters).map((e) => ({ ...e })),
      ...(config.workingDir ? { workingDir: config.workingDir } : {}),
      ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
      ...(config.execMode ? { execMode: config.execMode } : {}),
      ...(config.lifecycle ? { lifecycle: config.lifecycle } : {}),
    },
  };
  const parsed = TaskRequestSchema.safeParse(request);
  const sources = { wfe, config, timeoutPath: timeoutField?.path ?? 'defaultTimeout' };
  if (!parsed.success) {
    throw new ConfigurationError(
      toFieldIssues(parsed.error, '', request).map((issue, index) => ({
        path: sourceField(parsed.error.issues[index]?.path ?? [], request, sources),
        message: issue.message,
      })),
    );
  }
  // Refused here, not recorded as a task whose start is sure to fail.
  const limits = execLimitIssues(parsed.data.process);
  if (limits.length) {
    throw new ConfigurationError(
      limits.map((issue) => ({
        path: sourceField(issue.path, request, sources),
        message: issue.message,
      })),
    );
  }
  const warnings = [
    ...(requestedServiceAccount(wfe)
      ? [
          `${serviceAccountField(wfe)} is ignored: the ${engine} engine runs tasks as the agent's user`,
        ]
      : []),
    ...(wfe.spec.workflowRef.resources
      ? [
          `spec.workflowRef.resources is ignored: the ${engine} engine runs processes, not containers`,
        ]
      : []),
    ...(wfe.spec.workflowRef.executionBundleDigest && !config.command
      ? [`spec.workflowRef.executionBundleDigest is not checked by the ${engine} engine`]
      : []),
  ];
  return { task: parsed.data, warnings };
}

function parseEngineConfig(wfe: WorkflowExecution): ProcessEngineConfig {
  const config = wfe.spec.workflowRef.engineConfig ?? {};
  const result = ProcessEngineConfigSchema.safeParse(config);
  if (!result.success) {
    throw new ConfigurationError(toFieldIssues(result.error, engineConfigPath, config));
  }
  return result.data;
}

/** Why each override is refused, and what to do instead. */
const overrideRefusals = {
  command:
    "is not allowed: the program is spec.workflowRef.executionBundle, which the controller's " +
    'bundle policy checks; pass values in spec.parameters, or have the operator enable ' +
    'allowCommandOverride on the engine',
  args:
    "is not allowed: arguments decide what the bundle runs (`sh -c`, `python -c`, a tool's " +
    "plugin or configuration flag), and the controller's bundle policy checks only " +
    'spec.workflowRef.executionBundle; pass values in spec.parameters, which reach the bundle ' +
    'as environment variables, or have the operator enable allowCommandOverride on the engine',
  lifecycle:
    'is not allowed: hooks run programs other than spec.workflowRef.executionBundle, which the ' +
    "controller's bundle policy checks; do that work in the bundle, or have the operator " +
    'enable allowCommandOverride on the engine',
  execMode:
    "is not allowed: which container runs the bundle is the agent's setting " +
    "(--enable-sidecar-mode), and Local in sidecar mode runs it beside the agent's token and " +
    "every task's data; leave it out, or have the operator enable allowCommandOverride on the " +
    'engine',
  workingDir:
    "is not allowed: the bundle would run, as the supervisor's user, in a directory of the " +
    'host the author chose, writing its relative files there (or found from there, for a ' +
    'bundle looked up on PATH), and whether it could start would tell the author what the ' +
    "host's file system holds; leave it out (the task gets a directory of its own), or have " +
    'the operator enable allowCommandOverride on the engine',
} as const;

function refuseOverrides(config: ProcessEngineConfig): void {
  const keys = (['command', 'args', 'lifecycle', 'execMode', 'workingDir'] as const).filter(
    (key) => config[key] !== undefined,
  );
  if (keys.length === 0) return;
  throw new ConfigurationError(
    keys.map((key) => ({ path: `${engineConfigPath}.${key}`, message: overrideRefusals[key] })),
  );
}

/** A Go duration in whole seconds, rounded up; refused past what a task's timeout can hold. */
function timeoutSeconds(value: string, path: string): number {
  const seconds = Math.ceil(parseTimeout(value, path) / 1000);
  if (seconds > maxTimeoutSeconds) {
    throw new ConfigurationError({
      path,
      message: `"${value}" is longer than a task's longest timeout, ${maxTimeoutSeconds}s (about 68 years)`,
    });
  }
  return seconds;
}

/**
 * The field an author wrote that a task request's field came from, so a refusal of the request
 * names it: `process.command` is the bundle (or `engineConfig.command`), `process.env` the
 * target and the parameters, `process.timeoutSeconds` the timeout, `name` the target; the
 * other process fields are `engineConfig`'s own.
 */
function sourceField(
  path: readonly PropertyKey[],
  request: { process: { env: readonly { name: string }[] } },
  sources: { wfe: WorkflowExecution; config: ProcessEngineConfig; timeoutPath: string },
): string {
  const [top, field, index, ...rest] = path.map(String);
  const below = (...keys: (string | undefined)[]) => keys.filter((k) => k !== undefined).join('.');
  if (top === 'name') return 'spec.targetResource';
  if (top !== 'process') return 'metadata';
  switch (field) {
    case 'command':
      return sources.config.command
        ? below(`${engineConfigPath}.command`, index)
        : 'spec.workflowRef.executionBundle';
    case 'env': {
      if (index === undefined) return 'spec.parameters';
      const name = request.process.env[Number(index)]?.name;
      return Number(index) === 0 ? 'spec.targetResource' : `spec.parameters.${name}`;
    }
    case 'timeoutSeconds':
      return sources.timeoutPath;
    default:
      return below(`${engineConfigPath}.${field}`, index, ...rest);
  }
}
