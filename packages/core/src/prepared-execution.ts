import { refuseRemoteCluster } from './cluster-scope.js';
import { withDeclaredParameters } from './declared-parameters.js';
import { maxGoDurationMs, parseTimeout } from './duration.js';
import { ConfigurationError } from './errors.js';
import type { CreateOptions } from './executor.js';
import type { WorkflowExecution } from './workflow-execution.js';

/** kubernaut's floor for a deadline already past: the Job still gets a valid one. */
const shortestTimeoutMs = 1_000;

/** `spec.timesOutAt` in epoch milliseconds, or undefined without one. */
export function timesOutAtMs(wfe: WorkflowExecution): number | undefined {
  const at = wfe.spec.timesOutAt;
  return at ? Date.parse(at) : undefined;
}

/** What an engine does with an execution whose spec sets no timeout. */
export interface TimeoutDefaults {
  /**
   * The Go duration the engine gives an execution without `spec.executionConfig.timeout`;
   * unset, the engine gives it no deadline of its own.
   */
  readonly defaultTimeout?: string | undefined;
}

/**
 * The execution with `executionConfig.timeout` shortened so it ends by `spec.timesOutAt`, in
 * whole seconds from `now` and at least one: every engine turns that timeout into its own
 * deadline (a Job's `activeDeadlineSeconds`, a PipelineRun's timeout, an AWX launch's), so one
 * rule serves them all. A timeout already shorter stays. Without a timeout in the spec the
 * engine's `defaultTimeout` is the one to shorten, as the WorkflowExecution controller's
 * deadline is the earlier of its default and `spec.timesOutAt`: when the default ends first
 * the spec stays without a timeout, and the engine applies its default as it does without
 * `spec.timesOutAt` (its resource the same, an error in the default named `defaultTimeout`).
 */
export function withTimesOutAt(
  wfe: WorkflowExecution,
  now: Date,
  defaults: TimeoutDefaults = {},
): WorkflowExecution {
  const deadline = timesOutAtMs(wfe);
  if (deadline === undefined) return wfe;
  const remainingMs = Math.max(shortestTimeoutMs, deadline - now.getTime());
  if (remainingMs > maxGoDurationMs) {
    // No engine could take the timeout it would become.
    throw new ConfigurationError({
      path: 'spec.timesOutAt',
      message: `${wfe.spec.timesOutAt} is further away than the longest Go duration (about 292 years)`,
    });
  }
  const timeout = wfe.spec.executionConfig?.timeout;
  if (timeout && parseTimeout(timeout, 'spec.executionConfig.timeout') <= remainingMs) return wfe;
  const { defaultTimeout } = defaults;
  if (!timeout && defaultTimeout && parseTimeout(defaultTimeout, 'defaultTimeout') <= remainingMs)
    return wfe;
  return {
    ...wfe,
    spec: {
      ...wfe.spec,
      executionConfig: {
        ...wfe.spec.executionConfig,
        timeout: `${Math.ceil(remainingMs / 1000)}s`,
      },
    },
  };
}

/** The names `workflowRef.declaredParameterNames` declares, or undefined when it declares none. */
function specDeclaredNames(wfe: WorkflowExecution): string[] | undefined {
  const declared = wfe.spec.workflowRef.declaredParameterNames;
  if (declared === undefined || declared === null) return undefined;
  return Object.entries(declared)
    .filter(([, allowed]) => allowed)
    .map(([name]) => name);
}

/**
 * The execution an executor builds its resource from: parameters neither the spec's
 * `workflowRef.declaredParameterNames` nor `options.declaredParameterNames` declares are
 * dropped (where both declare, a parameter must be in both), and the timeout (the spec's, else
 * `options.defaultTimeout`, the engine's) ends by `spec.timesOutAt`. The warnings name what was dropped, never a value. One meant for another
 * cluster is a ConfigurationError, before the executor creates anything.
 */
export function preparedExecution(
  wfe: WorkflowExecution,
  options: Pick<CreateOptions, 'declaredParameterNames'> & TimeoutDefaults,
  now: Date = new Date(),
): { wfe: WorkflowExecution; warnings: string[] } {
  refuseRemoteCluster(wfe);
  const bySpec = withDeclaredParameters(wfe, specDeclaredNames(wfe));
  const byCaller = withDeclaredParameters(bySpec.wfe, options.declaredParameterNames);
  return {
    wfe: withTimesOutAt(byCaller.wfe, now, { defaultTimeout: options.defaultTimeout }),
    warnings: [...bySpec.warnings, ...byCaller.warnings],
  };
}
