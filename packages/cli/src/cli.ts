import { CommanderError } from 'commander';
import { formatError } from './errors.js';
import { buildProgram, type CliContext } from './program.js';

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code: 0 on
 * success, 1 for anything else, 130 when interrupted. kubectl exits 1 for every error, a usage
 * mistake included (its `DefaultErrorExitCode`), and scripts written against it test for that;
 * a watched execution that did not complete is 1 too, as `kubectl wait` that timed out.
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
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    context.term.err.write(formatError(error));
    return 1;
  }
}
