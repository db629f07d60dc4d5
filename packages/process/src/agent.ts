import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConfigurationError, type Logger } from '@roundhouse/core';
import {
  type AgentConfig,
  requireAuthentication,
  servesOthersWithoutToken,
} from './agent-config.js';
import { TaskExecutorServer } from './agent-server.js';
import { tokenFromFile } from './bearer-auth.js';
import { ProcessSupervisor } from './supervisor.js';

export interface RunningAgent {
  readonly host: string;
  readonly port: number;
  /** Stops serving and reconciling; tasks keep running and are re-adopted on the next start. */
  stop(): Promise<void>;
}

/**
 * Starts the agent for a configuration: recovers the data directory, then serves the API.
 * Without a token it serves only on loopback, because whoever reaches the API can run any
 * command as the agent's user; `insecureNoAuth` lifts that, with a loud warning.
 */
export async function startAgent(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  requireAuthentication(config);
  if (config.ignored && config.ignored.length > 0) {
    logger.warn(
      { ignored: config.ignored },
      `accepted for compatibility with OpenSandbox's task-executor and ignored: ${config.ignored.join(', ')}`,
    );
  }
  const token = config.authTokenFile ? await readToken(config.authTokenFile) : undefined;
  const supervisor = await ProcessSupervisor.open({
    dataDir: config.dataDir,
    // A Go duration may be finer than a millisecond ("500us"); the loop's timer takes whole ones.
    reconcileIntervalMs: Math.ceil(config.reconcileInterval),
    gracePeriodMs: config.gracePeriod,
    maxConcurrentTasks: config.maxConcurrentTasks || undefined,
    sidecarMode: config.enableSidecarMode,
    mainContainerName: config.mainContainerName,
    rerunLostTasks: config.rerunLostTasks,
    retainedLogBytes: config.retainedLogBytes,
    // OpenSandbox's agent hands tasks its whole environment, and its callers rely on that;
    // whoever may call the API runs any command as the agent's user anyway.
    passEnvironment: 'all',
    logger,
  });
  const server = new TaskExecutorServer({
    supervisor,
    authToken: token,
    connections: {
      maxConnections: config.maxConnections,
      // A Go duration may be finer than a millisecond ("500us"); Node's timeouts are whole ones.
      headersTimeoutMs: Math.ceil(config.headersTimeout),
      requestTimeoutMs: Math.ceil(config.requestTimeout),
      keepAliveTimeoutMs: Math.ceil(config.keepAliveTimeout),
    },
    logger,
  });
  const { host, port } = await server.listen(config.listenAddr.host, config.listenAddr.port);
  if (token === undefined && servesOthersWithoutToken(config)) {
    const { username, uid } = userInfo();
    const sidecar = config.enableSidecarMode;
    process.stderr.write(
      `\n${'!'.repeat(78)}\n` +
        `!! roundhouse-task-executor listens on ${host}:${port} WITHOUT AUTHENTICATION.\n` +
        (sidecar
          ? "!! In sidecar mode the main container shares the pod's loopback: it, and every task\n" +
            `!! run in it, can run any command here as ${username} (uid ${uid}).\n`
          : `!! Anyone who can reach it can run any command as ${username} (uid ${uid}).\n`) +
        '!! --insecure-no-auth allowed this. Set --auth-token-file (AUTH_TOKEN_FILE) instead' +
        (sidecar ? '.\n' : ',\n!! or listen on 127.0.0.1.\n') +
        `${'!'.repeat(78)}\n\n`,
    );
    logger.warn(
      { host, port },
      sidecar
        ? 'listening without authentication in sidecar mode, where the main container can call the API'
        : 'listening without authentication on a non-loopback address',
    );
  }
  logger.info(
    {
      host,
      port,
      dataDir: supervisor.dataDir,
      sidecarMode: config.enableSidecarMode,
      containerMode: config.enableContainerMode,
      authentication: token !== undefined,
      maxConcurrentTasks: config.maxConcurrentTasks || 'unlimited',
      rerunLostTasks: config.rerunLostTasks,
      retainedLogBytes: config.retainedLogBytes,
      maxConnections: config.maxConnections,
    },
    'listening',
  );
  return {
    host,
    port,
    async stop() {
      await server.close();
      await supervisor.close();
    },
  };
}

async function readToken(path: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError({
      path: '--auth-token-file',
      message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    });
  }
  const token = tokenFromFile(content);
  if (token === undefined) {
    throw new ConfigurationError({ path: '--auth-token-file', message: `${path} is empty` });
  }
  return token;
}
