import { captureName, captureScript } from './hook-capture.js';

/** The first word of the marker a shim that never ran its command leaves in its exit file. */
const neverStartedWord = 'never-started';
/** The first word of the marker a shim whose command a stop kept from running leaves there. */
const stoppedBeforeStartWord = 'stopped-before-start';

/**
 * The shim: a few lines of POSIX sh that supervise one task independently of the agent, so a
 * task's exit status is captured even when the agent is not running when it ends.
 *
 * 1. It waits for one line, `go`, on stdin. The agent sends it only after the shim's pid and
 *    start time are durably recorded; if the agent dies first, stdin reaches EOF and the shim
 *    exits without running anything. A command therefore never runs unrecorded. So that the
 *    next agent knows nothing ran (rather than a shim killed mid-command), the shim first
 *    writes `never-started <its pid>` to the exit file, in one write and only if the file does
 *    not exist yet (noclobber): a marker never replaces a status.
 * 2. It runs the command (its arguments, never a string: no quoting, no injection) with stdin
 *    from /dev/null, in the shim's own process group.
 * 3. SIGTERM to the group reaches the command directly; the shim's trap only keeps the shim
 *    alive, and the loop re-waits, because `wait` returns early when a trapped signal arrives.
 *    Until `go` is read SIGTERM is ignored, not trapped: a stop may come as soon as the shim is
 *    recorded, and would otherwise kill it, reading as a stopped command that never ran; an
 *    ignored signal does not cut the `read` short either. A SIGTERM sent before the command
 *    was forked, or while its fork still carried the shim's trap, never reaches it; the agent
 *    creates the stop file before it sends one, so the command's subshell, once its SIGTERM is
 *    its own (a subshell resets a caught signal, and the trap is set before the fork), looks
 *    for that file and, found, writes `stopped-before-start <shim pid>` to the exit file and
 *    ends as a SIGTERM would end it (143) instead of running; the shim keeps that marker, so
 *    the agent reports the stop without claiming the command started. A link there counts
 *    whatever it points at (`-L`): the agent's exclusive create took even a dangling one a task
 *    planted for its stop file.
 * 4. It writes the exit status and a newline in one write(2), so a reader sees the whole
 *    status or an empty file, never a partial number.
 *
 * Arguments: `$1` is the exit file, `$2` the stop file (empty for a hook, which is only ever
 * killed), the rest is the argv to run.
 */
export const shimScript = [
  'exit_file=$1; stop_file=$2; shift 2',
  "trap '' TERM",
  'if ! IFS= read -r go || [ "$go" != go ]; then',
  `  { set -C; printf '${neverStartedWord} %s\\n' "$$" >"$exit_file"; } 2>/dev/null`,
  '  exit 0',
  'fi',
  "trap ':' TERM",
  '( if [ -n "$stop_file" ] && { [ -e "$stop_file" ] || [ -L "$stop_file" ]; }; then',
  `    printf '${stoppedBeforeStartWord} %s\\n' "$$" >"$exit_file"; exit 143`,
  '  fi; exec "$@" ) </dev/null &',
  'child=$!',
  'while :; do',
  '  wait "$child"; code=$?',
  '  kill -0 "$child" 2>/dev/null || break',
  'done',
  // The subshell's marker (only ever with its 143) stays: nothing of the command ran.
  `[ "$code" = 143 ] && [ -s "$exit_file" ] || printf '%s\\n' "$code" >"$exit_file"`,
  'exit "$code"',
].join('\n');

/** `$0` of the shim, which is how it shows up in `ps`. */
export const shimName = 'roundhouse-shim';

export interface LaunchPlan {
  /** Executable and arguments to spawn. */
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * How to run a task's argv: through the shim, and for `Remote` through nsenter into the main
 * container's PID, mount, network, UTS and IPC namespaces (the ones OpenSandbox enters). nsenter runs *inside* the shim, so the shim (and the
 * exit file it writes) stays in the agent's namespaces where the data directory is. With
 * `--pid`, nsenter forks the command into the target namespace and exits with its status.
 */
export type LaunchTarget =
  | { readonly mode: 'Local' }
  | { readonly mode: 'Remote'; readonly nsenter: string; readonly targetPid: number };

/** Where a hook's capped output goes (see hook-capture.ts). */
export interface OutputCapture {
  readonly headFile: string;
  readonly tailFile: string;
  readonly bytes: number;
}

export function launchPlan(options: {
  readonly shell: string;
  readonly exitFile: string;
  /** The task's stop file (see the shim, step 3); a hook has none. */
  readonly stopFile?: string | undefined;
  readonly argv: readonly string[];
  readonly target: LaunchTarget;
  readonly workingDir?: string | undefined;
  /** Capture the output (a hook's) into capped files instead of appending it to the logs. */
  readonly capture?: OutputCapture | undefined;
}): LaunchPlan {
  const { shell, exitFile, stopFile, argv, target, workingDir, capture } = options;
  const command =
    target.mode === 'Remote'
      ? [
          target.nsenter,
          `--target=${target.targetPid}`,
          '--pid',
          '--mount',
          // A pod's containers share these already, where entering them changes nothing; a
          // main container outside the agent's pod network is reached only by entering them.
          '--net',
          '--uts',
          '--ipc',
          // Without a directory, --wd takes the target process's working directory.
          workingDir === undefined ? '--wd' : `--wd=${workingDir}`,
          '--',
          ...argv,
        ]
      : [...argv];
  // The capture runs outside nsenter, in the agent's namespaces where its files are.
  const captured = capture
    ? [
        shell,
        '-c',
        captureScript,
        captureName,
        capture.headFile,
        capture.tailFile,
        String(capture.bytes),
        ...command,
      ]
    : command;
  return {
    file: shell,
    args: ['-c', shimScript, shimName, exitFile, stopFile ?? '', ...captured],
  };
}

/**
 * What a shim left in its exit file: the command's status, or that it never ran the command
 * (it did not get `go`, or a stop came before the command was forked), with the shim's own pid
 * to tell its marker from another shim's.
 */
export type ShimOutcome =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'neverStarted'; readonly shimPid: number }
  | { readonly kind: 'stoppedBeforeStart'; readonly shimPid: number };

/**
 * Parses the exit file: a decimal status and a newline, or the never-started or
 * stopped-before-start marker; anything else (empty, partial) is no outcome (yet).
 */
export function parseExitFile(content: string): ShimOutcome | undefined {
  if (/^\d{1,3}\n$/.test(content)) return { kind: 'exited', code: Number(content.trim()) };
  const marker = new RegExp(`^(${neverStartedWord}|${stoppedBeforeStartWord}) (\\d{1,10})\n$`).exec(
    content,
  );
  if (!marker) return undefined;
  const kind = marker[1] === neverStartedWord ? 'neverStarted' : 'stoppedBeforeStart';
  return { kind, shimPid: Number(marker[2]) };
}
