/**
 * The longest string the kernel passes through `execve`, NUL included (MAX_ARG_STRLEN, 32
 * pages): a longer argument or `NAME=value` fails the task's exec with E2BIG.
 */
const maxExecStringBytes = 32 * 4096;

/** The longest path `chdir` takes, NUL included (PATH_MAX), and the longest part of one (NAME_MAX). */
const maxPathBytes = 4096;
const maxPathPartBytes = 255;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** One string of a task the kernel would refuse: where it is in the request, and why. */
interface ExecLimitIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * What of a task's process the kernel would refuse when it is started, with its path in the
 * request: an argument or a variable too long for `execve`, a working directory too long for
 * `chdir`. Such a task can be recorded, and then never starts.
 */
export function execLimitIssues(process: {
  readonly command: readonly string[];
  readonly args?: readonly string[] | undefined;
  readonly env?: readonly { readonly name: string; readonly value?: string | undefined }[];
  readonly workingDir?: string | undefined;
}): ExecLimitIssue[] {
  const argument = `at most ${maxExecStringBytes - 1} bytes`;
  const tooLong = (field: 'command' | 'args', values: readonly string[] | undefined) =>
    (values ?? []).flatMap((value, index) => {
      const length = bytes(value);
      return length < maxExecStringBytes
        ? []
        : [
            {
              path: ['process', field, index],
              message: `is ${length} bytes; the kernel passes ${argument} as one argument: pass a file the program reads instead`,
            },
          ];
    });
  const env = (process.env ?? []).flatMap(({ name, value }, index) => {
    const length = bytes(`${name}=${value ?? ''}`);
    return length < maxExecStringBytes
      ? []
      : [
          {
            path: ['process', 'env', index],
            message: `makes ${name}=<value> ${length} bytes; the kernel passes ${argument} as one variable: pass a smaller value`,
          },
        ];
  });
  const dir = process.workingDir;
  const longDir =
    dir !== undefined &&
    (bytes(dir) >= maxPathBytes || Math.max(...dir.split('/').map(bytes)) > maxPathPartBytes);
  return [
    ...tooLong('command', process.command),
    ...tooLong('args', process.args),
    ...env,
    ...(longDir
      ? [
          {
            path: ['process', 'workingDir'],
            message: `is longer than a directory the kernel can enter (at most ${maxPathBytes - 1} bytes, ${maxPathPartBytes} for each part between "/"): use a shorter path`,
          },
        ]
      : []),
  ];
}
