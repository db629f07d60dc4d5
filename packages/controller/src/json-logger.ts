import { once } from 'node:events';
import { hostname } from 'node:os';
import { printableJson } from '@roundhouse/core';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

/**
 * Keys whose values never reach a log, up to two levels deep in an entry: tokens and
 * passwords, HTTP credentials, and what the ansible engine sends AWX (extra_vars may carry
 * dependency Secret values, credential inputs do). A library that logs one by mistake still
 * leaks nothing.
 */
export const redactedKeys = [
  'token',
  'accessToken',
  'password',
  'authorization',
  'cookie',
  'apiKey',
  'extra_vars',
  'extraVars',
  'inputs',
] as const;

/**
 * A controller's logger: one JSON object per line (pino), with ISO times and level names as
 * log collectors expect, the logger's `name` under `logger`, Errors under `err` or `error`
 * serialized with their type, message, stack and cause, the values of {@link redactedKeys}
 * replaced, and every character `printableText` escapes written as a JSON escape. pino's `(fields, message)` methods are core's `Logger` shape, so the controller
 * runtime, reconcilers and executors take it as it is.
 *
 * The default destination writes each line before the call returns. A controller that logs a
 * line or two per execution under load passes {@link standardOutput} instead, and ends it with
 * {@link endOutput} before it exits.
 */
export function createLogger(
  name: string,
  level: LevelWithSilent = 'info',
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      // Under `logger`, as controller-runtime logs it: pino's `name` would be written a second
      // time by every line about an object (`{ namespace, name }`), a duplicate JSON key that
      // log collectors resolve by keeping one of the two.
      base: { logger: name, pid: process.pid, hostname: hostname() },
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      redact: {
        paths: redactedKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
        censor: '[REDACTED]',
      },
      // A name or message an author wrote reaches log lines an admin tails in a terminal.
      hooks: { streamWrite: printableJson },
    },
    destination,
  );
}

/** Where a controller's lines go: written asynchronously, ended with {@link endOutput}. */
export type LogOutput = ReturnType<typeof pino.destination>;

/**
 * Standard output, written asynchronously: a burst of executions logs a line or two each, and
 * a blocking write per line cost more CPU than the rest of their logging. End it with
 * `endOutput` before the process exits, so the last lines (`stopped`, or the fatal reason) are
 * out.
 */
export function standardOutput(): LogOutput {
  return pino.destination({ dest: 1, sync: false });
}

/**
 * Resolves once every line logged so far is written, in the order logged. pino's `flushSync`
 * is not enough: it writes what is queued at once, ahead of a write still in flight, so the
 * last line could come out before the ones logged just before it.
 */
export async function endOutput(output: LogOutput): Promise<void> {
  const closed = once(output, 'close');
  output.end();
  await closed;
}
