import {
  ConfigurationError,
  type EnvVar,
  execStringLimit,
  execStringOverLimit,
  type FieldIssue,
  targetResourceParameter,
} from '@roundhouse/core';

/**
 * Refuses a variable the kernel would refuse when the runtime starts the workflow container, a
 * ConfigurationError naming the field it came from. `NAME=value` longer than one `execve` string
 * makes a Job the API server stores and whose container then fails to start (E2BIG); refused
 * here, no Job is created. Measured before the kubelet escaping: the container gets the value.
 */
export function checkExecLimits(env: readonly EnvVar[]): void {
  const issues = env.flatMap(({ name, value }): FieldIssue[] => {
    const length = execStringOverLimit(`${name}=${value}`);
    if (length === undefined) return [];
    const path =
      name === targetResourceParameter ? 'spec.targetResource' : `spec.parameters.${name}`;
    return [
      {
        path,
        message: `makes ${name}=<value> ${length} bytes; the kernel passes ${execStringLimit} as one variable: pass a smaller value, or a reference (a ConfigMap, a URL) the workflow reads`,
      },
    ];
  });
  if (issues.length) throw new ConfigurationError(issues);
}
