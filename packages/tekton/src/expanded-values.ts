import { ConfigurationError, type FieldIssue } from '@roundhouse/core';

/**
 * What both Tekton and the kubelet read as a reference to expand: `$(params.x)`,
 * `$(tasks.t.results.r)`, `$(context.…)`, `$(workspaces.…)` for Tekton, `$(NAME)` of an
 * environment variable for the kubelet.
 */
const expansion = '$(';

/**
 * Refuses parameter values that hold `$(`. Tekton puts a value where the Pipeline says and then
 * expands what the value itself holds: `$(tasks.fetch.results.token)` as a parameter becomes
 * the result another task wrote (a credential it fetched) wherever the parameter goes. The
 * kubelet then expands `$(NAME)` in a step's env, command and args from the step's other
 * variables, so `$(TOKEN)` becomes the value of a Secret the Task maps into TOKEN. Neither has
 * an escape that survives both (a script receives `$$` as it is), so such a value cannot be
 * passed through safely and is an error naming each parameter, never quoting its value.
 */
export function refuseExpandedValues(params: readonly (readonly [string, string])[]): void {
  const issues: FieldIssue[] = params
    .filter(([, value]) => value.includes(expansion))
    .map(([name]) => ({
      path: `spec.parameters.${name}`,
      message:
        'contains "$(", which Tekton expands after putting the value in place (another task\'s result, $(context...), $(workspaces...)) and the kubelet expands in a step\'s env, command and args (another of its variables, such as one from a Secret): pass the value without "$("',
    }));
  if (issues.length) throw new ConfigurationError(issues);
}
