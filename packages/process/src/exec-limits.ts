import { execStringLimit, execStringOverLimit, workingDirIssue } from '@roundhouse/core';

/** One string of a task the kernel would refuse: where it is in the request, and why. */
interface ExecLimitIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A lifecycle hook as far as its exec goes: only its argv reaches `execve`. */
type Hook = { readonly exec: { readonly command: readonly string[] } } | undefined;

/**
 * What of a task's process the kernel would refuse when it is started, with its path in the
 * request: an argument or a variable too long for `execve` (the command's, or a lifecycle
 * hook's), a working directory too long for `chdir`. Such a task can be recorded, and then
 * never starts, or its hook never runs.
 */
export function execLimitIssues(process: {
  readonly command: readonly string[];
  readonly args?: readonly string[] | undefined;
  readonly env?:
    | readonly { readonly name: string; readonly value?: string | undefined }[]
    | undefined;
  readonly workingDir?: string | undefined;
  readonly lifecycle?:
    | { readonly preStart?: Hook | undefined; readonly postStop?: Hook | undefined }
    | null
    | undefined;
}): ExecLimitIssue[] {
  const tooLong = (at: readonly string[], values: readonly string[] | undefined) =>
    (values ?? []).flatMap((value, index) => {
      const length = execStringOverLimit(value);
      return length === undefined
        ? []
        : [
            {
              path: ['process', ...at, index],
              message: `is ${length} bytes; the kernel passes ${execStringLimit} as one argument: pass a file the program reads instead`,
            },
          ];
    });
  const env = (process.env ?? []).flatMap(({ name, value }, index) => {
    const length = execStringOverLimit(`${name}=${value ?? ''}`);
    return length === undefined
      ? []
      : [
          {
            path: ['process', 'env', index],
            message: `makes ${name}=<value> ${length} bytes; the kernel passes ${execStringLimit} as one variable: pass a smaller value`,
          },
        ];
  });
  const dirIssue =
    process.workingDir === undefined ? undefined : workingDirIssue(process.workingDir);
  return [
    ...tooLong(['command'], process.command),
    ...tooLong(['args'], process.args),
    ...(['preStart', 'postStop'] as const).flatMap((hook) =>
      tooLong(['lifecycle', hook, 'exec', 'command'], process.lifecycle?.[hook]?.exec.command),
    ),
    ...env,
    ...(dirIssue ? [{ path: ['process', 'workingDir'], message: dirIssue }] : []),
  ];
}
