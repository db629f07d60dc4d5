import type { Logger, LogMethod } from '@roundhouse/core';

/** A logger that adds `fields` to every entry; the Logger shape has no child loggers. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const bind =
    (method: LogMethod): LogMethod =>
    (extra, message) =>
      method.call(logger, { ...fields, ...extra }, message);
  return {
    debug: bind(logger.debug),
    info: bind(logger.info),
    warn: bind(logger.warn),
    error: bind(logger.error),
  };
}
