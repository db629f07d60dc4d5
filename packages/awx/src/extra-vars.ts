/**
 * Turns WorkflowExecution string parameters into typed AWX extra_vars rule for rule as kubernaut's
 * Go `BuildExtraVars` does (strconv.ParseInt, then ParseFloat, then ParseBool, then a JSON
 * array/object), so a playbook sees the same types whichever controller launched it. A parameter
 * an enabled survey of the template asks for is typed for its question instead (survey-answers).
 */
import { ConfigurationError, type FieldIssue } from '@roundhouse/core';

/** A value as AWX receives it; a `bigint` carries an int64 beyond 2^53 without rounding. */
export type ExtraVarValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly ExtraVarValue[]
  | { readonly [key: string]: ExtraVarValue };

export type ExtraVars = Readonly<Record<string, ExtraVarValue>>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Go accepts an underscore only between two digits, or between a base prefix and a digit.
const DIGITS = '[0-9]+(?:_[0-9]+)*';
const HEX_DIGITS = '[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*';
const INTEGER = /^[+-]?[0-9]+$/;
// Groups: sign, integer part, fraction after an integer part, fraction alone, exponent.
const DECIMAL_FLOAT = new RegExp(
  `^([+-]?)(?:(${DIGITS})(?:\\.(${DIGITS})?)?|\\.(${DIGITS}))(?:[eE]([+-]?${DIGITS}))?$`,
);
// A hex mantissa without a binary exponent is not a float in Go, so `p` is mandatory.
const HEX_FLOAT = new RegExp(
  `^([+-]?)0[xX](?:_?(${HEX_DIGITS})(?:\\.(${HEX_DIGITS})?)?|\\.(${HEX_DIGITS}))[pP]([+-]?${DIGITS})$`,
);
const INFINITY = /^[+-]?inf(?:inity)?$/i;
const NAN = /^nan$/i;

const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((s) => [s, true] as const),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((s) => [s, false] as const),
]);

// encoding/json refuses deeper documents, so kubernaut keeps such a parameter as a string.
const MAX_JSON_DEPTH = 10_000;
// Go decodes a `\uXXXX` surrogate that is not part of a pair as U+FFFD. Matching every escape
// from the left keeps an escaped backslash from being misread as the start of one.
const SURROGATE_ESCAPES =
  /\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\./g;

/**
 * Coerces one parameter. Throws ConfigurationError for NaN and Infinity spellings: JSON cannot
 * carry them, and kubernaut fails the launch on them anyway.
 */
export function coerceParameter(name: string, value: string): ExtraVarValue {
  const coerced = coercedParameter(name, value);
  if ('issue' in coerced) throw new ConfigurationError(coerced.issue);
  return coerced.value;
}

/** Coerces one parameter, or says why it cannot be sent (NaN and Infinity spellings). */
export function coercedParameter(
  name: string,
  value: string,
): { readonly value: ExtraVarValue } | { readonly issue: FieldIssue } {
  const coerced = coerce(value);
  return isNonFinite(coerced) ? { issue: nonFiniteIssue(name, value) } : { value: coerced };
}

/** Coerces every parameter; reports all non-finite parameters in one ConfigurationError. */
export function buildExtraVars(
  parameters: Readonly<Record<string, string>> | undefined,
): ExtraVars {
  const entries: [string, ExtraVarValue][] = [];
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(parameters ?? {})) {
    const coerced = coercedParameter(name, value);
    if ('issue' in coerced) issues.push(coerced.issue);
    else entries.push([name, coerced.value]);
  }
  if (issues.length > 0) throw new ConfigurationError(issues);
  // fromEntries defines own properties, so a parameter named `__proto__` stays a plain key.
  return Object.fromEntries(entries);
}

/**
 * The JSON text of extra_vars as Go's encoding/json writes it: object keys sorted, int64 digits
 * exact, and -0 kept. Throws TypeError for values JSON cannot carry (NaN, Infinity, undefined,
 * cycles), which only hand-built vars can contain.
 */
export function serializeExtraVars(vars: ExtraVars): string {
  const parts: string[] = [];
  const open = new Set<object>();
  // An explicit stack, not recursion: Go accepts JSON 10000 levels deep, past the JS call stack.
  const pending: SerializeStep[] = [{ value: vars }];
  for (let step = pending.pop(); step; step = pending.pop()) {
    if ('text' in step) {
      parts.push(step.text);
      if (step.closes) open.delete(step.closes);
      continue;
    }
    const { value } = step;
    if (typeof value !== 'object' || value === null) {
      parts.push(value === null ? 'null' : encodeScalar(value));
      continue;
    }
    if (open.has(value)) throw new TypeError('extra_vars contain a cycle');
    open.add(value);
    if (isList(value)) {
      parts.push('[');
      pending.push({ text: ']', closes: value });
      // Array.from turns holes into undefined, so a sparse array fails instead of printing `[1,,2]`.
      const items = Array.from(value);
      for (let i = items.length - 1; i >= 0; i--) {
        pending.push({ value: items[i]! });
        if (i > 0) pending.push({ text: ',' });
      }
    } else {
      parts.push('{');
      pending.push({ text: '}', closes: value });
      const keys = Object.keys(value).sort(compareCodePoints);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        pending.push(
          { value: value[key]! },
          { text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` },
        );
      }
    }
  }
  return parts.join('');
}

/** Either a value still to encode, or literal text that may close an array or object. */
type SerializeStep =
  | { readonly value: ExtraVarValue }
  | { readonly text: string; readonly closes?: object | undefined };

function coerce(value: string): ExtraVarValue {
  if (INTEGER.test(value)) {
    const integer = BigInt(value);
    if (integer >= INT64_MIN && integer <= INT64_MAX) {
      const small = Number(integer);
      return Number.isSafeInteger(small) ? small : integer;
    }
  }
  const float = parseGoFloat(value);
  if (float !== undefined) return float;
  const boolean = BOOLEANS.get(value);
  if (boolean !== undefined) return boolean;
  return parseJsonContainer(value) ?? value;
}

function isNonFinite(value: ExtraVarValue): boolean {
  return typeof value === 'number' && !Number.isFinite(value);
}

function nonFiniteIssue(name: string, value: string): FieldIssue {
  return {
    path: `spec.parameters.${name}`,
    message:
      `value ${JSON.stringify(value)} is not a finite number and cannot be sent as extra_vars ` +
      '(JSON has no NaN or Infinity); pass a finite number, or a word that does not read as a ' +
      'number (for example "unbounded") and interpret it in the playbook',
  };
}

/**
 * Go's strconv.ParseFloat(s, 64) on the whole string: NaN or ±Infinity only for their spellings,
 * undefined for a syntax error or an overflow (which Go reports as an error).
 */
function parseGoFloat(text: string): number | undefined {
  if (INFINITY.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (NAN.test(text)) return Number.NaN;
  const hex = HEX_FLOAT.exec(text);
  const match = hex ?? DECIMAL_FLOAT.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fractionAfterWhole, fractionAlone, exponent] = match;
  const fraction = (fractionAfterWhole ?? fractionAlone ?? '').replaceAll('_', '');
  const digits = whole.replaceAll('_', '') + fraction;
  let value: number;
  if (hex) {
    value = roundToDouble(BigInt(`0x${digits}`), goExponent(exponent) - 4 * fraction.length);
    if (sign === '-') value = -value;
  } else {
    // Both parts are validated decimal digits, and Number rounds their exact value correctly.
    value = Number(`${sign}${digits}e${goExponent(exponent) - fraction.length}`);
  }
  return Number.isFinite(value) ? value : undefined;
}

/** An exponent as strconv reads it: it stops accumulating digits once it reaches 10000. */
function goExponent(text = '0'): number {
  let exponent = 0;
  for (const char of text) {
    if (char >= '0' && char <= '9' && exponent < 10_000) {
      exponent = exponent * 10 + (char.charCodeAt(0) - 48);
    }
  }
  return text.startsWith('-') ? -exponent : exponent;
}

/** mantissa × 2^exponent rounded to the nearest double, ties to even; Infinity on overflow. */
function roundToDouble(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  const top = mantissa.toString(2).length - 1 + exponent;
  if (top > 1023) return Infinity;
  // Below half the smallest subnormal everything rounds to zero; skip the huge shift.
  if (top < -1075) return 0;
  // Normal doubles keep 53 significant bits; subnormals keep bits down to 2^-1074.
  const ulp = Math.max(top - 52, -1074);
  const shift = ulp - exponent;
  if (shift <= 0) return Number(mantissa << BigInt(-shift)) * 2 ** ulp;
  let kept = mantissa >> BigInt(shift);
  const rest = mantissa - (kept << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
  return Number(kept) * 2 ** ulp;
}

function parseJsonContainer(text: string): ExtraVarValue | undefined {
  const first = text[0];
  const last = text.at(-1);
  if (!((first === '[' && last === ']') || (first === '{' && last === '}'))) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(SURROGATE_ESCAPES, wellFormedEscape));
  } catch {
    return undefined;
  }
  return decodableByGo(parsed) ? (parsed as ExtraVarValue) : undefined;
}

function wellFormedEscape(sequence: string): string {
  return sequence.length === 6 ? '\\ufffd' : sequence;
}

/** Go's decoder also rejects numbers beyond float64 (JSON.parse yields Infinity) and deep nesting. */
function decodableByGo(root: unknown): boolean {
  const pending: [unknown, number][] = [[root, 1]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, depth] = item;
    if (typeof value === 'number' && !Number.isFinite(value)) return false;
    if (typeof value === 'object' && value !== null) {
      if (depth > MAX_JSON_DEPTH) return false;
      for (const child of Object.values(value)) pending.push([child, depth + 1]);
    }
  }
  return true;
}

function encodeScalar(value: string | number | bigint | boolean): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`extra_vars cannot hold ${value}: JSON has no NaN or Infinity`);
      }
      // Go writes negative zero as -0; JSON.stringify would drop the sign.
      return Object.is(value, -0) ? '-0' : String(value);
    default:
      throw new TypeError(`extra_vars cannot hold a value of type ${typeof value}`);
  }
}

function isList(value: object): value is readonly ExtraVarValue[] {
  return Array.isArray(value);
}

/**
 * Go sorts map keys by their UTF-8 bytes, which is code point order; UTF-16 order differs when
 * a character above U+FFFF meets one in U+E000..U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}
