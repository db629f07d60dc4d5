/**
 * How a hook's output is kept: stdout and stderr go, interleaved, through a pipe to `dd`, which
 * keeps the first bytes, and then to `tail`, which keeps the last ones. Both run in the hook's
 * own process group, independently of the agent, so a hook neither dies of SIGPIPE when the
 * agent restarts nor fills the disk or the agent's memory however much it prints.
 *
 * The hook's exit status comes back on fd 3, since a POSIX pipeline's status is its last
 * command's. A background process that keeps the hook's output open keeps the hook running
 * (as a pipeline does); its timeout still ends it.
 *
 * Arguments: `$1` the head file, `$2` the tail file, `$3` the byte cap of each; the rest is the
 * argv to run.
 */
export const captureScript = [
  'head_file=$1 tail_file=$2 bytes=$3; shift 3',
  'code=$( { { "$@" 2>&1 3>&-; printf %s "$?" >&3; } | ' +
    '{ dd bs=1 count="$bytes" of="$head_file" 2>/dev/null; ' +
    'tail -c "$((bytes + 1))" >"$tail_file"; } >/dev/null 3>&-; } 3>&1 )',
  '[ -n "$code" ] || code=1',
  'exit "$code"',
].join('\n');

/** `$0` of the capture wrapper, which is how it shows up in `ps`. */
export const captureName = 'roundhouse-hook';

/** How much of a hook's output is kept: this many bytes from its start and from its end. */
export const hookOutputBytes = 4096;

/**
 * The output a hook's message quotes, from what the capture kept: the head, and the last
 * `hookOutputBytes` of the tail file, which holds one byte more than that exactly when output
 * between the two parts was dropped (`elided`).
 */
export function capturedOutput(head: string, tail: string, elided: boolean): string {
  return `${head}${elided ? '\n[... output elided ...]\n' : ''}${tail}`.trim();
}
