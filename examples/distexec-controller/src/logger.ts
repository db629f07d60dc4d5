import type { Logger, LogMethod } from '@roundhouse/core';

/** One JSON object per line on stdout; debug lines only with `debug` (LOG_LEVEL=debug). */
export function jsonLogger(component: string, options: { debug?: boolean } = {}): Logger {
  const write =
    (level: string): LogMethod =>
    (fields, message) => {
      const line = { time: new Date().toISOString(), level, component, msg: message, ...fields };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    };
  return {
    debug: options.debug ? write('debug') : () => {},
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
