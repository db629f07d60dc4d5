import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import type { LevelWithSilent, Logger } from 'pino';
import { type HealthServer, type HealthServerOptions, startHealthServer } from './health-server.js';
import { createLogger, endOutput, type LogOutput, standardOutput } from './json-logger.js';
import { asksForHelp } from './settings.js';
import { shutdownSignal } from './shutdown.js';

export interface ControllerMainContext {
  readonly logger: Logger;
  /**
   * Aborts on SIGTERM or SIGINT, or on a promise rejection nobody handled: stop, finish what is
   * in flight, and return.
   */
  readonly signal: AbortSignal;
  /**
   * Serves `/healthz`, `/readyz` and `/metrics` (see `startHealthServer`; `host` defaults to
   * `0.0.0.0` here, for the kubelet's probes in a pod) and logs `starting` with its port and
   * `fields`: the line that says the controller is up. Closed when `run` ends.
   */
  serveHealth(
    options: HealthServerOptions,
    fields?: Record<string, unknown>,
  ): Promise<HealthServer>;
}

export interface ControllerMainOptions<C> {
  /** The command's name, as a user types it: the first word of what it says about bad flags. */
  readonly program: string;
  /** Under `logger` in every line. Default: `program`. */
  readonly loggerName?: string | undefined;
  /**
   * Reads the command line and the environment. A ConfigurationError means bad flags;
   * `undefined` means the command already did what it was asked (printed `--help`).
   */
  readonly configure: () => C | undefined;
  /** The level the configuration asks for. Default: `info`. */
  readonly logLevel?: ((config: C) => LevelWithSilent) | undefined;
  /** One line after the bad flags, e.g. `Run my-controller --help for usage.` */
  readonly usage?: string | undefined;
  /**
   * The usage text (`settingsHelp`). When the command line asks for it (`asksForHelp`), it is
   * printed on standard output and the command exits 0 without reading its configuration.
   */
  readonly help?: (() => string) | undefined;
  /** The command line, for `help`. Default: `process.argv` after the script. */
  readonly argv?: readonly string[] | undefined;
  /** Where `help` is printed. Default: standard output. */
  readonly helpOutput?: { write(text: string): unknown } | undefined;
  /**
   * Starts the controller, runs it until `signal` aborts and releases what it holds. What it
   * throws before the signal is fatal.
   */
  readonly run: (config: C, context: ControllerMainContext) => Promise<void>;
  /** Where the log lines go. Default: standard output, written asynchronously. */
  readonly output?: LogOutput | undefined;
  /** Where bad flags are described. Default: standard error. */
  readonly errors?: { write(text: string): unknown } | undefined;
  /** Default: {@link shutdownSignal}, created once the configuration is read. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A controller's entry point, so that every controller ends the same way and says why in one
 * line: `process.exit(await runControllerMain({ ... }))`. The exit code is 0 after `--help` or
 * a stop on SIGTERM; 2 for bad flags, each named on standard error, with nothing logged; 1 when
 * the controller cannot start or fails while running, with one `fatal` line whose message is
 * the error's (a Roundhouse error adds its `reason`, anything else its stack), after which a
 * Deployment restarts the pod with backoff. Every line logged is written before it resolves.
 *
 * A promise rejection nobody handled while `run` runs is fatal too, but stops `run` as SIGTERM
 * does instead of ending the process on the spot as Node would: in-flight reconciles drain and
 * the Lease is released, so a successor need not wait for it to expire, and the reason is the
 * one `fatal` line rather than a stack on standard error.
 */
export async function runControllerMain<C>(options: ControllerMainOptions<C>): Promise<number> {
  const errors = options.errors ?? process.stderr;
  if (options.help && asksForHelp(options.argv ?? process.argv.slice(2))) {
    (options.helpOutput ?? process.stdout).write(options.help());
    return 0;
  }
  let config: C | undefined;
  try {
    config = options.configure();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const issues = error.issues.map((issue) => `  ${issue.path}: ${issue.message}\n`).join('');
    const usage = options.usage ? `${options.usage}\n` : '';
    errors.write(`${options.program}: invalid flags\n${issues}${usage}`);
    return 2;
  }
  if (config === undefined) return 0;
  const output = options.output ?? standardOutput();
  const logger = createLogger(
    options.loggerName ?? options.program,
    options.logLevel?.(config) ?? 'info',
    // Without its flushSync: pino calls it after a fatal line, which then overtakes a write
    // still in flight, and the reason for the exit would not be the last line.
    { write: (line: string) => output.write(line) },
  );
  const crash = new AbortController();
  const onUnhandledRejection = (reason: unknown) => {
    if (crash.signal.aborted) return;
    crash.abort(reason);
  };
  process.on('unhandledRejection', onUnhandledRejection);
  const stop = options.signal ?? shutdownSignal({ logger });
  const signal = AbortSignal.any([stop, crash.signal]);
  const servers: HealthServer[] = [];
  const serveHealth = async (health: HealthServerOptions, fields = {}) => {
    const server = await startHealthServer({ host: '0.0.0.0', ...health });
    servers.push(server);
    logger.info({ port: server.port, ...fields }, 'starting');
    return server;
  };
  let code = 0;
  try {
    await options.run(config, { logger, signal, serveHealth });
  } catch (error) {
    // An error once the signal aborted is part of stopping; before, the controller failed.
    if (!signal.aborted) code = fatal(logger, error);
  } finally {
    process.off('unhandledRejection', onUnhandledRejection);
  }
  if (crash.signal.aborted && code === 0)
    code = fatal(logger, crash.signal.reason, 'unhandled rejection: ');
  await Promise.all(servers.map((server) => server.close()));
  if (code === 0) logger.info({}, 'stopped');
  await endOutput(output);
  return code;
}

/** Logs why the controller cannot run, in one line; the exit code that says so. */
function fatal(logger: Logger, error: unknown, prefix = ''): number {
  // A Roundhouse error's message is the whole story; anything else gets its stack too.
  const fields = error instanceof RoundhouseError ? { reason: error.reason } : { err: error };
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal(fields, `cannot run: ${prefix}${message}`);
  return 1;
}
