import {
  ConfigurationError,
  type EnvVar,
  execStringLimit,
  execStringOverLimit,
  type FieldIssue,
  targetResourceParameter,
} from '@roundhouse/core';
import type { ContainerCommand } from './job-spec.js';

/**
 * Refuses what the kernel would refuse when the runtime starts the workflow container, a
 * ConfigurationError naming the field each came from: a `NAME=value`, or an argument of the
 * embedding controller's `containerCommand`, longer than one `execve` string makes a Job the
 * API server stores and whose container then fails to start (E2BIG); refused here, no Job is
 * created. Measured before the kubelet escaping: the container gets the text as it was given.
 */
export function checkExecLimits(env: readonly EnvVar[], run: ContainerCommand | undefined): void {
  const variables = env.flatMap(({ name, value }): FieldIssue[] => {
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
  // The command is the embedder's (a function of the execution, so known only here): the fix
  // is in its code or in what it builds the command from, not in the execution's parameters.
  const tooLong = (field: keyof ContainerCommand) =>
    (run?.[field] ?? []).flatMap((argument, index): FieldIssue[] => {
      const length = execStringOverLimit(argument);
      return length === undefined
        ? []
        : [
            {
              path: `containerCommand.${field}.${index}`,
              message: `is ${length} bytes; the kernel passes ${execStringLimit} as one argument: have the embedding controller's containerCommand pass a file or a reference (a ConfigMap, a URL) the program reads instead`,
            },
          ];
    });
  const issues = [...variables, ...tooLong('command'), ...tooLong('args')];
  if (issues.length) throw new ConfigurationError(issues);
}
