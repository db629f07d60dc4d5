import { type Logger, noopLogger } from '@roundhouse/core';

export interface ShutdownSignalOptions {
  /** Default SIGTERM (what Kubernetes sends) and SIGINT (Ctrl-C). */
  readonly signals?: readonly NodeJS.Signals[] | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * An AbortSignal that aborts on the first SIGTERM or SIGINT. The handlers are removed then, so
 * a second signal gets Node's default behaviour and ends a process whose shutdown hangs.
 */
export function shutdownSignal(options: ShutdownSignalOptions = {}): AbortSignal {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const logger = options.logger ?? noopLogger;
  const controller = new AbortController();
  const onSignal = (received: NodeJS.Signals) => {
    for (const name of signals) process.off(name, onSignal);
    logger.info({ signal: received }, 'shutting down');
    controller.abort(new Error(`received ${received}`));
  };
  for (const name of signals) process.on(name, onSignal);
  return controller.signal;
}
