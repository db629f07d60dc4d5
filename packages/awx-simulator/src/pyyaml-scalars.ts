/**
 * PyYAML's scalars, as `yaml.safe_load` reads them: the tag its resolver gives a plain scalar
 * (yaml/resolver.py) and what SafeConstructor (yaml/constructor.py) makes of a scalar with a
 * standard tag. An explicit tag may name text its constructor cannot read (`!!int foo`,
 * `!!bool maybe`, `2020-02-30`); the ValueError, KeyError or IndexError it raises is none that
 * parse_yaml_or_json catches, so AWX answers 500, and the simulator throws AwxServerError. A
 * `!!timestamp` its pattern does not match raises AttributeError, which parse_yaml_or_json does
 * catch: that is TimestampUnmatched.
 */
import { asciiEncodeError, base64DecodeError } from './python-base64.js';
import { type IntBase, intValueErrorText, pythonIntText } from './python-int-text.js';
import { pythonFloatRepr } from './python-json.js';
import { AwxServerError } from './replies.js';

/** A value PyYAML makes that `json.dumps` cannot write, named by its Python type. */
export class UnserializableValue {
  constructor(readonly pythonType: 'date' | 'datetime' | 'bytes' | 'set') {}
}

/** A ConstructorError SafeConstructor raises of a scalar's text, at the scalar. */
export class ScalarRefused extends Error {}

/** construct_yaml_timestamp's `match.groupdict()` on no match: an AttributeError. */
export class TimestampUnmatched extends Error {
  constructor() {
    super("'NoneType' object has no attribute 'groupdict'");
  }
}

export const TAG = 'tag:yaml.org,2002:';

// Node 22+ has JSON.rawJSON; TypeScript's es2023 lib does not declare it.
const json = JSON as unknown as { rawJSON(text: string): unknown };
const rawJson = (text: string): unknown => json.rawJSON(text);

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const DATETIME =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/;
/** SafeConstructor.timestamp_regexp, which reads an explicit `!!timestamp` too. */
const TIMESTAMP =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]*)?(?:[ \t]*(Z|[-+]([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;
/** What Python's float() reads, once construct_yaml_float has lowered it and taken its sign. */
const PYTHON_FLOAT =
  /^\s*[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?|inf|infinity|nan)\s*$/;

/** The tag PyYAML's implicit resolver gives a plain scalar. */
export function implicitTag(text: string): string {
  if (BOOL.test(text)) return `${TAG}bool`;
  if (INT.test(text)) return `${TAG}int`;
  if (FLOAT.test(text)) return `${TAG}float`;
  if (NULL.test(text)) return `${TAG}null`;
  if (DATE.test(text) || DATETIME.test(text)) return `${TAG}timestamp`;
  // Resolver's `<<` and `=`, for which SafeConstructor has no constructor: only a mapping's
  // key is read as either (flatten_mapping).
  if (text === '<<') return `${TAG}merge`;
  if (text === '=') return `${TAG}value`;
  return `${TAG}str`;
}

function valueError(message: string): AwxServerError {
  return new AwxServerError(`ValueError: ${message}`);
}

/** Python's int(text, base), or its ValueError. */
function pythonInt(text: string, base: IntBase): bigint {
  const value = pythonIntText(text, base);
  if (typeof value !== 'bigint') throw valueError(intValueErrorText(text, value, base));
  return value;
}

/** construct_yaml_int's and construct_yaml_float's sign, and their IndexError on empty text. */
function signed(text: string): { sign: 1 | -1; digits: string } {
  if (text === '') throw new AwxServerError('IndexError: string index out of range');
  const sign = text.startsWith('-') ? -1 : 1;
  return { sign, digits: text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text };
}

/** construct_yaml_int: Python's int, exact; one beyond 2^53 stays raw JSON. */
function constructInt(text: string): unknown {
  const { sign, digits } = signed(text.replaceAll('_', ''));
  // construct_yaml_int reads the first character of what follows the sign, where
  // construct_yaml_float hands it to float() as it is.
  if (digits === '') throw new AwxServerError('IndexError: string index out of range');
  let value: bigint;
  if (digits === '0') value = 0n;
  else if (digits.startsWith('0b')) value = pythonInt(digits.slice(2), 2);
  else if (digits.startsWith('0x')) value = pythonInt(digits.slice(2), 16);
  else if (digits.startsWith('0')) value = pythonInt(digits, 8);
  else if (digits.includes(':')) {
    value = digits.split(':').reduce((total, part) => total * 60n + pythonInt(part, 10), 0n);
  } else value = pythonInt(digits, 10);
  const result = BigInt(sign) * value;
  const small = Number(result);
  return Number.isSafeInteger(small) ? small : rawJson(result.toString());
}

/** Python's float(text), or its ValueError. */
function pythonFloat(text: string): number {
  if (!PYTHON_FLOAT.test(text)) throw valueError(`could not convert string to float: '${text}'`);
  const trimmed = text.trim().replace(/^[-+]/, '');
  const negative = text.trim().startsWith('-') ? -1 : 1;
  if (trimmed === 'nan') return Number.NaN;
  if (trimmed.startsWith('inf')) return negative * Number.POSITIVE_INFINITY;
  return Number(text.trim());
}

/** construct_yaml_float: Python's float; `json.dumps` spells one not finite NaN or Infinity. */
function constructFloat(text: string): unknown {
  const { sign, digits } = signed(text.replaceAll('_', '').toLowerCase());
  let value: number;
  if (digits === '.inf') value = Number.POSITIVE_INFINITY;
  else if (digits === '.nan') return Number.NaN;
  else if (digits.includes(':')) {
    value = digits.split(':').reduce((total, part) => total * 60 + pythonFloat(part), 0);
  } else value = pythonFloat(digits);
  value *= sign;
  return Number.isFinite(value) ? rawJson(pythonFloatRepr(value)) : value;
}

/** construct_yaml_bool: a KeyError for a word that is not one of its six. */
function constructBool(text: string): boolean {
  const word = text.toLowerCase();
  if (!['yes', 'no', 'true', 'false', 'on', 'off'].includes(word)) {
    throw new AwxServerError(`KeyError: '${text.toLowerCase()}'`);
  }
  return ['yes', 'true', 'on'].includes(word);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/**
 * construct_yaml_timestamp: a date or a datetime, which `json.dumps` cannot write; Python's
 * datetime refuses a field out of its range, and datetime.timezone an offset of a day or more,
 * with a ValueError.
 */
function constructTimestamp(text: string): UnserializableValue {
  const match = TIMESTAMP.exec(text);
  if (match === null) throw new TimestampUnmatched();
  const [year, month, day, hour, minute, second, , tzHour, tzMinute] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  if ((year as number) < 1) throw valueError(`year ${year} is out of range`);
  if ((month as number) < 1 || (month as number) > 12) {
    throw valueError('month must be in 1..12');
  }
  if ((day as number) < 1 || (day as number) > daysIn(year as number, month as number)) {
    throw valueError('day is out of range for month');
  }
  if (hour === undefined) return new UnserializableValue('date');
  if (hour > 23) throw valueError('hour must be in 0..23');
  if ((minute as number) > 59) throw valueError('minute must be in 0..59');
  if ((second as number) > 59) throw valueError('second must be in 0..59');
  if (tzHour !== undefined && tzHour * 60 + (tzMinute ?? 0) >= 24 * 60) {
    throw valueError(
      'offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24).',
    );
  }
  return new UnserializableValue('datetime');
}

/** construct_yaml_binary: bytes, or its ConstructorError of text that is no base64. */
function constructBinary(text: string): UnserializableValue {
  const notAscii = asciiEncodeError(text);
  if (notAscii !== undefined) {
    throw new ScalarRefused(`failed to convert base64 data into ascii: ${notAscii}`);
  }
  const undecodable = base64DecodeError(text);
  if (undecodable !== undefined) {
    throw new ScalarRefused(`failed to decode base64 data: ${undecodable}`);
  }
  return new UnserializableValue('bytes');
}

/** The standard tags SafeConstructor reads a scalar node with. */
export const SCALAR_TAGS = ['null', 'bool', 'int', 'float', 'timestamp', 'binary', 'str'].map(
  (name) => TAG + name,
);

/** What SafeConstructor makes of a scalar with one of SCALAR_TAGS. */
export function constructScalar(tag: string, text: string): unknown {
  switch (tag) {
    case `${TAG}null`:
      return null;
    case `${TAG}bool`:
      return constructBool(text);
    case `${TAG}int`:
      return constructInt(text);
    case `${TAG}float`:
      return constructFloat(text);
    case `${TAG}timestamp`:
      return constructTimestamp(text);
    case `${TAG}binary`:
      return constructBinary(text);
    default:
      return text;
  }
}
