import { CommanderError } from 'commander';
import { formatError } from './errors.js';
import { buildProgram, type CliContext } from './program.js';

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code: 0 on
 * success, 1 when a watched execution did not complete, 2 when the command could not do its
 * work (bad input, an unreachable or refusing cluster), 130 when interrupted.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  let code = 0;
  const program = buildProgram(context, (exitCode) => {
    code = exitCode;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    context.term.err.write(formatError(error));
    return 2;
  }
}
