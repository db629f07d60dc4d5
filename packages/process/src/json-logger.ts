import type { Logger, LogMethod } from '@roundhouse/core';

/** One JSON object per line: info and debug on stdout, warnings and errors on stderr. */
export function jsonLogger(
  component: string,
  options: { debug?: boolean | undefined } = {},
): Logger {
  const write =
    (level: string, stream: NodeJS.WriteStream): LogMethod =>
    (fields, message) => {
      stream.write(
        `${JSON.stringify({ time: new Date().toISOString(), level, component, msg: message, ...fields })}\n`,
      );
    };
  return {
    debug: options.debug ? write('debug', process.stdout) : () => {},
    info: write('info', process.stdout),
    warn: write('warn', process.stderr),
    error: write('error', process.stderr),
  };
}
