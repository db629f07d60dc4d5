import type { Logger, LogMethod } from '@roundhouse/core';

/** One JSON object per line on stdout (stderr for warnings and errors), as log collectors expect. */
export function jsonLogger(component: string, level: 'debug' | 'info' = 'info'): Logger {
  const write =
    (name: string, stream: NodeJS.WriteStream): LogMethod =>
    (fields, message) => {
      stream.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: name, component, msg: message, ...fields })}\n`,
      );
    };
  return {
    debug: level === 'debug' ? write('debug', process.stdout) : () => {},
    info: write('info', process.stdout),
    warn: write('warn', process.stderr),
    error: write('error', process.stderr),
  };
}
