import { Command, CommanderError } from 'commander';
import { sessionAction } from './action.js';
import { commanderOutput } from './commander-output.js';
import { formatError } from './errors.js';
import type { CliContext } from './program.js';
import { addTaskCommands } from './task/program.js';

/**
 * `kubectl task`, the alias mini-task users type: the `task` commands at the root, and
 * mini-task's exit codes: 0 on success, 1 for anything else (a usage mistake, a failed run, an
 * error), 130 when interrupted.
 */
export async function runTaskCli(argv: readonly string[], context: CliContext): Promise<number> {
  const { term, env, signal } = context;
  let code = 0;
  const exit = (exitCode: number) => {
    code = exitCode;
  };
  const program = new Command('kubectl task')
    .description('Start and list Roundhouse Tasks (kubectl roundhouse task).')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-n, --namespace <namespace>', "namespace of the Tasks (default: the context's)")
    // mini-task printed the usage with every mistake.
    .showHelpAfterError()
    .exitOverride()
    .configureOutput(commanderOutput(term));
  const inSession = sessionAction(env, exit, {
    executionNamespace: 'roundhouse-workflows',
    conventions: 'roundhouse',
  });
  addTaskCommands(program, { term, signal, inSession, exit });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    term.err.write(formatError(error));
    return 1;
  }
}
