import type { CliContext } from './program.js';
import { terminal } from './terminal.js';

/** The shell's status of a process a broken pipe's SIGPIPE ended. */
const brokenPipeExitCode = 141;

/** Runs a CLI entry point on this process's arguments, streams and signals. */
export async function runAsProcess(
  run: (argv: readonly string[], context: CliContext) => Promise<number>,
): Promise<void> {
  // The first Ctrl-C stops what runs (a watch, a followed log) and lets it tidy up: the live view
  // leaves its last frame, connections close. A second one ends the process at once.
  const stop = new AbortController();
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  });
  // A reader that went away (`| head`) ends the command as kubectl's Go runtime ends it, by
  // SIGPIPE's status (128 + 13), without the stack trace of an unhandled stream error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(brokenPipeExitCode);
    });
  }
  process.exitCode = await run(process.argv.slice(2), {
    term: terminal(process.stdout, process.stderr, process.env),
    env: process.env,
    signal: stop.signal,
  });
}
