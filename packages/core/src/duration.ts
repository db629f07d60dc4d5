import { ConfigurationError } from './errors.js';

/**
 * The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). Node runs a longer one
 * after 1 ms instead, so a delay computed from a user's spec (a timeout of 600h) would fire in a
 * hot loop.
 */
export const maxTimerMs = 2 ** 31 - 1;

/**
 * Go's time.ParseDuration grammar, because WorkflowExecution specs are shared with Go
 * controllers (kubernaut) that write durations like "1h30m" or "2.5s".
 */
const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration, "0" included; RE2-compatible so a CRD schema can use it as its pattern. Each
 * number splits its digits one way only (`\d+(\.\d*)?`): the spelling `\d+\.?\d*` let a
 * backtracking engine try every split of a long run of digits, quadratic in its length (a
 * 40,000-digit string took 1.6 s), and the patterns run on what authors write.
 */
export const goDurationPattern = /^(0|[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const segment = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** True when `text` is a Go duration string ("0" included, as Go accepts it). */
export function isGoDuration(text: string): boolean {
  return goDurationPattern.test(text);
}

/** Milliseconds in a Go duration string; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (!goDurationPattern.test(text)) return undefined;
  const sign = text.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const [, value, unit] of text.matchAll(segment)) {
    total += Number(value) * (unitMs[unit as string] as number);
  }
  return sign * total;
}

/** Formats milliseconds the way Go's Duration.String does for whole seconds ("1h2m3s", "0s"). */
export function formatGoDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  seconds = Math.abs(seconds);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Go's largest Duration (2562047h47m16.854775807s), in milliseconds. */
export const maxGoDurationMs = 9_223_372_036_854;

/**
 * Milliseconds of a timeout written as a Go duration, between 1 ms and Go's largest Duration.
 * Zero is refused because engines read it as "no deadline"; so is anything shorter than a
 * millisecond, which Go truncates to zero (`0.5ns`), and anything Go cannot represent, which
 * would reach an engine as a number it cannot read or as no deadline at all.
 */
export function parseTimeout(value: string, path: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || !(ms >= 1)) {
    throw new ConfigurationError({
      path,
      message: `"${value}" is not a positive Go duration of at least 1ms; use e.g. "30m" or "1h30m"`,
    });
  }
  if (ms > maxGoDurationMs) {
    throw new ConfigurationError({
      path,
      message: `"${value}" is longer than the longest Go duration (about 292 years)`,
    });
  }
  return ms;
}
