import { createLogger, endOutput, shutdownSignal, standardOutput } from '@roundhouse/controller';
import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import { helpText, parseCommandLine } from './config.js';
import { runController } from './run.js';

/**
 * The controller's entry point. Exit codes: 0 after `--help` or a graceful stop on SIGTERM,
 * 2 for bad flags (printed with a pointer to `--help`), 1 when it cannot start or fails while
 * running (one log line that says why; a Deployment then restarts it with backoff).
 */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const program = 'workflowexecution-controller';
  let line: ReturnType<typeof parseCommandLine>;
  try {
    line = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const issues = error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    process.stderr.write(
      `${program}: invalid flags\n${issues}\nRun ${program} --help for usage.\n`,
    );
    return 2;
  }
  if (line.help) {
    process.stdout.write(helpText(program));
    return 0;
  }
  const output = standardOutput();
  const logger = createLogger(
    'roundhouse-workflowexecution-controller',
    line.config.logLevel,
    output,
  );
  const signal = shutdownSignal({ logger });
  try {
    await runController(line.config, { logger, signal, env });
  } catch (error) {
    if (!signal.aborted) {
      // A Roundhouse error's message is the whole story; anything else gets its stack too.
      const fields = error instanceof RoundhouseError ? { reason: error.reason } : { err: error };
      const message = error instanceof Error ? error.message : String(error);
      logger.fatal(fields, `cannot run: ${message}`);
      await endOutput(output);
      return 1;
    }
  }
  logger.info({}, 'stopped');
  await endOutput(output);
  return 0;
}

// Exit explicitly: a failed start may leave a connection or timer behind, and the process
// must end rather than sit half-started.
process.exit(await main(process.argv.slice(2), process.env));
