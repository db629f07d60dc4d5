/**
 * Timestamps in microseconds since the epoch, as AWX's PostgreSQL columns hold them. A clock that
 * never repeats a value keeps `created__gt=<a job's created>` from matching that same job, which
 * is how a client finds jobs launched after a point in time.
 */

export type Micros = number;

/** A strictly increasing microsecond clock. */
export function monotonicClock(now: () => number = Date.now): () => Micros {
  let last = 0;
  return () => {
    last = Math.max(now() * 1000, last + 1);
    return last;
  };
}

/** DRF's rendering of a UTC datetime: `2024-05-01T12:00:00.123456Z`, no fraction when zero. */
export function formatTimestamp(micros: Micros | null): string | null {
  if (micros === null) return null;
  const millis = Math.floor(micros / 1000);
  const fraction = micros % 1_000_000;
  const base = new Date(millis).toISOString().slice(0, 19);
  return fraction === 0 ? `${base}Z` : `${base}.${String(fraction).padStart(6, '0')}Z`;
}

// Django's datetime_re: a `T` or space, optional seconds and fraction, optional offset.
const DATETIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d*)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/** Django's `DateTimeField.to_python` for a query value; naive times are UTC (AWX's TIME_ZONE). */
export function parseTimestamp(text: string): Micros | undefined {
  const date = DATE.exec(text);
  if (date) return toMicros(date.slice(1, 4).map(Number), [0, 0, 0], 0, 0);
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', offset] = match;
  return toMicros(
    [Number(y), Number(mo), Number(d)],
    [Number(h), Number(mi), Number(s)],
    Number(fraction.padEnd(6, '0')),
    offsetMinutes(offset),
  );
}

function offsetMinutes(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

function toMicros(
  [year, month, day]: number[],
  [hour, minute, second]: number[],
  micros: number,
  offset: number,
): Micros | undefined {
  const millis = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const check = new Date(millis);
  const valid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month! - 1 &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second;
  return valid ? (millis - offset * 60_000) * 1000 + micros : undefined;
}
