/**
 * What the kernel refuses when a process starts, for engines that turn an author's strings into
 * one: the API server (or a supervisor) stores a container or task the runtime then cannot
 * start, so an engine refuses such strings at create instead, when nothing exists yet.
 */

/**
 * The longest string `execve` passes, NUL included (MAX_ARG_STRLEN, 32 pages): a longer
 * argument or `NAME=value` fails the exec with E2BIG.
 */
const maxExecStringBytes = 32 * 4096;

/** The longest path `chdir` takes, NUL included (PATH_MAX), and the longest part of one (NAME_MAX). */
const maxPathBytes = 4096;
const maxPathPartBytes = 255;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** How many bytes one argument or one `NAME=value` may have, for an error message. */
export const execStringLimit = `at most ${maxExecStringBytes - 1} bytes`;

/** The size in bytes of `text` when `execve` would refuse it as one string; else undefined. */
export function execStringOverLimit(text: string): number | undefined {
  const length = bytes(text);
  return length >= maxExecStringBytes ? length : undefined;
}

/** Why `chdir` would refuse `dir` as a working directory, or undefined when it takes it. */
export function workingDirIssue(dir: string): string | undefined {
  // Measured whole first: a path of any length then has at most 4,096 parts to look at, where
  // spreading a few hundred thousand into Math.max would overflow the stack.
  const tooLong =
    bytes(dir) >= maxPathBytes || dir.split('/').some((part) => bytes(part) > maxPathPartBytes);
  return tooLong
    ? `is longer than a directory the kernel can enter (at most ${maxPathBytes - 1} bytes, ${maxPathPartBytes} for each part between "/"): use a shorter path`
    : undefined;
}
