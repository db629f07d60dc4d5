#!/usr/bin/env node
import { ConfigurationError } from '@roundhouse/core';
import { startAgent } from './agent.js';
import { agentUsage, asksForAgentHelp, loadAgentConfig } from './agent-config.js';
import { jsonLogger } from './json-logger.js';

/**
 * `roundhouse-task-executor`: the task-executor-compatible agent. Configuration from flags and
 * environment variables (see docs/agent.md); SIGTERM or SIGINT stops it and leaves tasks
 * running for the next start to re-adopt. Exit code 2 means bad configuration, 1 that the
 * agent could not start. `-h`, `-help` or `--help` prints the flags and exits 0, as a Go
 * program does.
 */
if (asksForAgentHelp(process.argv.slice(2))) {
  process.stdout.write(agentUsage());
  process.exit(0);
}
const logger = jsonLogger('roundhouse-task-executor', { debug: process.env.LOG_LEVEL === 'debug' });
try {
  const agent = await startAgent(loadAgentConfig(process.argv.slice(2), process.env), logger);
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await agent.stop();
    logger.info({}, 'stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigurationError) {
    logger.error(
      { reason: error.reason, issues: error.issues },
      `bad configuration: ${error.message}`,
    );
    process.exit(2);
  }
  // E.g. the address is in use, or the data directory cannot be created.
  logger.error({ error: String(error) }, 'could not start');
  process.exit(1);
}
