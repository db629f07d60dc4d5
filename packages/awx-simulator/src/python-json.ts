/**
 * JSON as AWX's Python sees it. AWX parses request bodies with Python's `json`, whose integers are
 * unbounded, which reads NaN and Infinity, and which words its refusals its own way; it stores a
 * job's `extra_vars` as `json.dumps(...)` text. A JavaScript number would round
 * 9223372036854775807, so integers beyond 2^53 and every finite float literal are kept as raw
 * JSON text (`JSON.rawJSON`), which `JSON.stringify` and `pythonJsonDumps` both emit verbatim.
 */

import { pythonDict } from './python-dict.js';
import { pythonStrRepr } from './python-str-repr.js';

interface RawJson {
  readonly rawJSON: string;
}

// Node 22+ has JSON.rawJSON; TypeScript's es2023 lib does not declare it.
const json = JSON as unknown as {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
};

export function isRawJson(value: unknown): value is RawJson {
  return json.isRawJSON(value);
}

const INTEGER_LITERAL = /^-?\d+$/;

/** What json.loads raises, a ValueError, worded as its str(). */
export class PythonJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PythonJsonError';
  }
}

/** A JSONDecodeError: the message, then where, as line, column and index. */
function decodeError(message: string, text: string, at: number): PythonJsonError {
  // Python counts code points; a JavaScript string counts UTF-16 units.
  const before = Array.from(text.slice(0, at));
  const lineStart = before.lastIndexOf('\n');
  const line = before.filter((char) => char === '\n').length + 1;
  return new PythonJsonError(
    `${message}: line ${line} column ${before.length - lineStart} (char ${before.length})`,
  );
}

/**
 * Python's int() of decimal text, since 3.11, refuses more digits than sys.get_int_max_str_digits
 * (4300 unless set): a ValueError in these words.
 */
export const PYTHON_INT_MAX_STR_DIGITS = 4300;

export function intDigitsError(digits: number): string | undefined {
  return digits > PYTHON_INT_MAX_STR_DIGITS ? intDigitsLimitText(digits) : undefined;
}

export function intDigitsLimitText(digits: number): string {
  return `Exceeds the limit (${PYTHON_INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`;
}

/**
 * Python's `json.loads` (its C scanner, as AWX's Python 3.11 runs it): the same values, the
 * same refusals in the same words. Beyond JSON it reads `NaN`, `Infinity` and `-Infinity`, and a
 * float too large for a double as infinite; those are JavaScript's non-finite numbers, since raw
 * JSON cannot hold them. Every other float is kept in Python's spelling, and each integer beyond
 * 2^53 exactly, as raw JSON.
 */
export function parseJsonText(text: string): unknown {
  if (text.startsWith('\ufeff')) {
    throw decodeError('Unexpected UTF-8 BOM (decode using utf-8-sig)', text, 0);
  }
  const scanner = new Scanner(text);
  const value = scanner.value(scanner.skipSpace(0));
  const end = scanner.skipSpace(value.end);
  if (end !== text.length) throw decodeError('Extra data', text, end);
  return value.value;
}

interface Scanned {
  readonly value: unknown;
  readonly end: number;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const CONSTANTS: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
];
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

class Scanner {
  constructor(private readonly text: string) {}

  private fail(message: string, at: number): never {
    throw decodeError(message, this.text, at);
  }

  skipSpace(at: number): number {
    let i = at;
    while (' \t\n\r'.includes(this.text[i] ?? 'x')) i++;
    return i;
  }

  /** scan_once: the value starting at `at`, or "Expecting value" there. */
  value(at: number): Scanned {
    const char = this.text[at];
    if (char === '"') return this.string(at);
    if (char === '{') return this.object(at + 1);
    if (char === '[') return this.array(at + 1);
    for (const [word, value] of CONSTANTS) {
      if (this.text.startsWith(word, at)) return { value, end: at + word.length };
    }
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(this.text);
    if (!match) return this.fail('Expecting value', at);
    const literal = match[0];
    const end = at + literal.length;
    if (match[1] !== undefined || match[2] !== undefined) {
      const float = Number(literal);
      return { value: Number.isFinite(float) ? json.rawJSON(pythonFloatRepr(float)) : float, end };
    }
    const tooLong = intDigitsError(literal.replace('-', '').length);
    if (tooLong !== undefined) throw new PythonJsonError(tooLong);
    const integer = Number(literal) + 0;
    return {
      value: Number.isSafeInteger(integer) ? integer : json.rawJSON(BigInt(literal).toString()),
      end,
    };
  }

  private string(begin: number): Scanned {
    let out = '';
    let i = begin + 1;
    for (;;) {
      const char = this.text[i];
      if (char === undefined) return this.fail('Unterminated string starting at', begin);
      if (char === '"') return { value: out, end: i + 1 };
      if (char.charCodeAt(0) < 0x20) return this.fail('Invalid control character at', i);
      if (char !== '\\') {
        out += char;
        i++;
        continue;
      }
      const escaped = this.text[i + 1];
      if (escaped === undefined) return this.fail('Unterminated string starting at', begin);
      if (escaped !== 'u') {
        const short = ESCAPES[escaped];
        if (short === undefined) return this.fail('Invalid \\escape', i);
        out += short;
        i += 2;
        continue;
      }
      const unit = this.hex4(i + 1);
      out += String.fromCharCode(unit);
      i += 6;
      // A high surrogate followed by an escaped low one is one character; Python keeps a lone one.
      if (unit >= 0xd800 && unit <= 0xdbff && this.text.startsWith('\\u', i)) {
        const low = this.hex4(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          out += String.fromCharCode(low);
          i += 6;
        }
      }
    }
  }

  /** The four hex digits after the `u` at `u`; the scanner wants a character after them too. */
  private hex4(u: number): number {
    const digits = this.text.slice(u + 1, u + 5);
    if (u + 5 >= this.text.length || !HEX4.test(digits)) {
      return this.fail('Invalid \\uXXXX escape', u);
    }
    return Number.parseInt(digits, 16);
  }

  private object(start: number): Scanned {
    const out = pythonDict();
    let i = this.skipSpace(start);
    if (this.text[i] === '}') return { value: out, end: i + 1 };
    for (;;) {
      if (this.text[i] !== '"') this.fail('Expecting property name enclosed in double quotes', i);
      const key = this.string(i);
      i = this.skipSpace(key.end);
      if (this.text[i] !== ':') this.fail("Expecting ':' delimiter", i);
      const item = this.value(this.skipSpace(i + 1));
      // Defined, not assigned, so a key `__proto__` is a key; a repeated key keeps its first
      // place and its last value, as object_pairs_hook=OrderedDict does.
      Object.defineProperty(out, key.value as string, {
        value: item.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      i = this.skipSpace(item.end);
      if (this.text[i] === '}') return { value: out, end: i + 1 };
      if (this.text[i] !== ',') this.fail("Expecting ',' delimiter", i);
      i = this.skipSpace(i + 1);
    }
  }

  private array(start: number): Scanned {
    const out: unknown[] = [];
    let i = this.skipSpace(start);
    if (this.text[i] === ']') return { value: out, end: i + 1 };
    for (;;) {
      const item = this.value(i);
      out.push(item.value);
      i = this.skipSpace(item.end);
      if (this.text[i] === ']') return { value: out, end: i + 1 };
      if (this.text[i] !== ',') this.fail("Expecting ',' delimiter", i);
      i = this.skipSpace(i + 1);
    }
  }
}

/** Python's `repr(float)`, which `json.dumps` uses: `1.0`, `1e+16`, `1.5e-05`. */
export function pythonFloatRepr(value: number): string {
  if (!Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) {
    return `${Object.is(value, -0) ? '-0' : value.toFixed(0)}.0`;
  }
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

function pythonNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 2 ** 53
    ? value.toFixed(0)
    : pythonFloatRepr(value);
}

/** `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, ASCII-only output. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (isRawJson(value)) return value.rawJSON;
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pythonNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return pythonJsonString(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => `${pythonJsonString(key)}: ${pythonJsonDumps(item)}`,
  );
  return `{${entries.join(', ')}}`;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[char];
    if (short) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** Python's `repr()` of a parsed JSON value, as it appears in AWX's validation messages. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (isRawJson(value)) return value.rawJSON;
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      if (Number.isNaN(value)) return 'nan';
      if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
      return pythonNumber(value);
    case 'string':
      return pythonStrRepr(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** Python's `str()`, which `%s` and `str.format` use: text as is, anything else as `repr()`. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** Python's `type(value).__name__` for a parsed JSON value. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (isRawJson(value)) return INTEGER_LITERAL.test(value.rawJSON) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

/** Whether the value holds a NaN or an infinity, which DRF's strict json.dumps refuses. */
export function holdsNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(holdsNonFinite);
  return isJsonObject(value) && Object.values(value).some(holdsNonFinite);
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRawJson(value);
}
