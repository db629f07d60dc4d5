/**
 * The logging shape Roundhouse writes to. pino's loggers and `console` both satisfy it, so core
 * needs no logging library: pass `pino()` or `console`, or `noopLogger` to stay quiet.
 * Calls use pino's argument order, fields first: `log.info({ job }, 'created Job')`.
 */
export type LogMethod = (fields: Record<string, unknown>, message: string) => void;

export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const ignore: LogMethod = () => {};

export const noopLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
});
