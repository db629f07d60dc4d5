/**
 * Python's `==`, `in` and `<` on parsed JSON values, for the AWX rules that apply them to what a
 * client sent (survey answers, choices). They differ from JavaScript's: `True == 1 == 1.0`, `in`
 * on text is a substring test, and an operand Python cannot take raises a TypeError, which AWX
 * answers with a 500 (`PythonTypeError`).
 */

import { isJsonObject, isRawJson, pythonTypeName } from './python-json.js';
import { AwxServerError } from './replies.js';

/** A TypeError AWX's code would raise on this value; AWX answers the request with a 500. */
export class PythonTypeError extends AwxServerError {
  constructor(message: string) {
    super(`TypeError: ${message}`);
    this.name = 'PythonTypeError';
  }
}

type PythonNumber = { readonly int: bigint } | { readonly float: number };

/** An `int` (a `bool` is one), or a `float`; `undefined` for any other value. */
function numberOf(value: unknown): PythonNumber | undefined {
  if (typeof value === 'boolean') return { int: value ? 1n : 0n };
  const type = pythonTypeName(value);
  if (type !== 'int' && type !== 'float') return undefined;
  const raw = isRawJson(value) ? value.rawJSON : (value as number);
  return type === 'int' ? { int: BigInt(raw) } : { float: Number(raw) };
}

/** Python's truth value: `None`, `False`, zero and empty text, lists and objects are false. */
export function pythonTruth(value: unknown): boolean {
  const number = numberOf(value);
  if (number !== undefined) return 'int' in number ? number.int !== 0n : number.float !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return value !== null && value !== undefined && value !== '';
}

/**
 * `a < b` as -1, `a == b` as 0, `a > b` as 1, for two numbers (ints compared exactly); NaN when
 * a NaN makes all three false, so every test of the result is false as Python's is.
 */
export function pythonCompareNumbers(a: unknown, b: unknown): number {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x === undefined || y === undefined) {
    throw new PythonTypeError(
      `'<' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`,
    );
  }
  if ('int' in x && 'int' in y) return x.int < y.int ? -1 : x.int > y.int ? 1 : 0;
  const left = 'int' in x ? Number(x.int) : x.float;
  const right = 'int' in y ? Number(y.int) : y.float;
  if (left < right) return -1;
  return left > right ? 1 : left === right ? 0 : Number.NaN;
}

export function pythonEquals(a: unknown, b: unknown): boolean {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined || y !== undefined) {
    return x !== undefined && y !== undefined && pythonCompareNumbers(a, b) === 0;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => pythonEquals(item, b[i]))
    );
  }
  if (isJsonObject(a) || isJsonObject(b)) {
    if (!isJsonObject(a) || !isJsonObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && pythonEquals(a[key], b[key]))
    );
  }
  return (a ?? null) === (b ?? null);
}

/** `item in container`. */
export function pythonContains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw new PythonTypeError(
        `'in <string>' requires string as left operand, not ${pythonTypeName(item)}`,
      );
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((element) => pythonEquals(element, item));
  if (isJsonObject(container)) {
    if (Array.isArray(item) || isJsonObject(item)) {
      throw new PythonTypeError(`unhashable type: '${pythonTypeName(item)}'`);
    }
    // A JSON object's keys are text, which no number or None equals.
    return typeof item === 'string' && Object.hasOwn(container, item);
  }
  throw new PythonTypeError(`argument of type '${pythonTypeName(container)}' is not iterable`);
}

// str.isspace(): the characters Python's str.strip() removes, and those its `re` matches with
// `\s` in a str pattern. JavaScript's trim() and `\s` differ: they keep U+001C..U+001F and
// U+0085, and take U+FEFF.
export const PYTHON_SPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PYTHON_STRIP = new RegExp(`^${PYTHON_SPACE}+|${PYTHON_SPACE}+$`, 'g');

/** Python's `str.strip()` with no argument. */
export function pythonStrip(text: string): string {
  return text.replace(PYTHON_STRIP, '');
}
