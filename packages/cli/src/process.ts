import type { CliContext } from './program.js';
import { terminal } from './terminal.js';

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
  process.exitCode = await run(process.argv.slice(2), {
    term: terminal(process.stdout, process.stderr, process.env),
    env: process.env,
    signal: stop.signal,
  });
}
