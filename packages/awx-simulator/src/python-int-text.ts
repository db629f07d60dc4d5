/**
 * Python's int() of text in base 10, as AWX's CPython 3.11 reads it: where a client sends a
 * primary key, an owner id or a DRF IntegerField as a string, this decides whether AWX sees a
 * number. JavaScript's `\s` and `\d` are not its rules.
 */
import { intDigitsLimitText, PYTHON_INT_MAX_STR_DIGITS } from './python-json.js';
import { truncatedRepr } from './python-str-repr.js';

// int() turns every non-ASCII character that str.isspace() counts into a space, then skips only
// ASCII's six spaces: so U+0085 and U+3000 surround a number, U+001C..U+001F (which str.strip()
// removes) and U+FEFF (which trim() removes) do not.
const INT_SPACE = /^[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

// The zero of each run of ten decimal digits in Unicode 14, Python 3.11's
// (unicodedata.decimal(c) == 0); a runtime's `\p{Nd}` follows a newer Unicode with more scripts.
const DECIMAL_ZEROS: readonly number[] = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6,
  0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50,
  0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0,
  0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730,
  0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2,
  0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

function decimalValue(char: string): number | undefined {
  const code = char.codePointAt(0) ?? -1;
  const zero = DECIMAL_ZEROS.find((start) => code >= start && code <= start + 9);
  return zero === undefined ? undefined : code - zero;
}

/**
 * Why int(text) raised ValueError: text that is no integer, or a run of more digits than
 * sys.get_int_max_str_digits(), which CPython counts (underscores not, leading zeros too) before
 * it looks at what follows the run, so `1…1a` past the limit is refused for its length.
 */
export type IntTextRefusal =
  | { reason: 'invalid-literal' }
  | { reason: 'too-many-digits'; digits: number };

/** The bases construct_yaml_int and the API's filters call int() with. */
export type IntBase = 2 | 8 | 10 | 16;

/** The prefix int(text, base) lets stand before the digits, in either case. */
const BASE_PREFIX: Readonly<Record<IntBase, string | undefined>> = {
  2: 'b',
  8: 'o',
  10: undefined,
  16: 'x',
};

/** How BigInt() reads ASCII digits in each base. */
const BIGINT_PREFIX: Readonly<Record<IntBase, string>> = { 2: '0b', 8: '0o', 10: '', 16: '0x' };

/**
 * A character's digit value in `base`, as CPython's int() reads it once every decimal digit of
 * any script is made its ASCII digit: those, and for base 16 the ASCII letters a-f either case.
 */
function digitValue(char: string, base: IntBase): number | undefined {
  const decimal = decimalValue(char);
  const value =
    decimal ?? (base === 16 && /^[a-fA-F]$/.test(char) ? Number.parseInt(char, 16) : undefined);
  return value !== undefined && value < base ? value : undefined;
}

/**
 * The integer int(text, base) gives, or why it raises ValueError: surrounding whitespace, one
 * sign, the base's own prefix (`0x`, `0o`, `0b`) and one underscore after it, digits (decimal
 * ones of any script) with single underscores between them, and in base 10 no more than
 * sys.get_int_max_str_digits() digits, a limit CPython sets only on bases that are not powers
 * of two.
 */
export function pythonIntText(text: string, base: IntBase = 10): bigint | IntTextRefusal {
  const invalid: IntTextRefusal = { reason: 'invalid-literal' };
  const chars = [...text];
  let at = 0;
  while (at < chars.length && INT_SPACE.test(chars[at] ?? '')) at += 1;
  const sign = chars[at] === '-' || chars[at] === '+' ? chars[at] : '';
  if (sign !== '') at += 1;
  const prefix = BASE_PREFIX[base];
  // CPython looks for the prefix after turning other scripts' digits into ASCII ones, so any
  // zero starts it.
  if (
    prefix !== undefined &&
    decimalValue(chars[at] ?? '') === 0 &&
    (chars[at + 1] === prefix || chars[at + 1] === prefix.toUpperCase())
  ) {
    at += 2;
    if (chars[at] === '_') at += 1;
  }
  let digits = '';
  let previous = '';
  for (; at < chars.length; at += 1) {
    const char = chars[at] ?? '';
    const value = digitValue(char, base);
    if (value === undefined && char !== '_') break;
    // An underscore may neither lead, nor follow another, nor end the run.
    if (char === '_' && (digits === '' || previous === '_')) return invalid;
    if (value !== undefined) digits += value.toString(16);
    previous = char;
  }
  if (previous === '_') return invalid;
  if (base === 10 && digits.length > PYTHON_INT_MAX_STR_DIGITS) {
    return { reason: 'too-many-digits', digits: digits.length };
  }
  while (at < chars.length && INT_SPACE.test(chars[at] ?? '')) at += 1;
  if (digits === '' || at < chars.length) return invalid;
  const magnitude = BigInt(`${BIGINT_PREFIX[base]}${digits}`);
  return sign === '-' ? -magnitude : magnitude;
}

/** The ValueError int(text, base) raises, in CPython's words, which DAB's `__int` filter passes on. */
export function intValueErrorText(
  text: string,
  refusal: IntTextRefusal,
  base: IntBase = 10,
): string {
  return refusal.reason === 'too-many-digits'
    ? intDigitsLimitText(refusal.digits)
    : `invalid literal for int() with base ${base}: ${truncatedRepr(text, 200)}`;
}

/** int(text) where a caller treats every ValueError alike, as DRF's fields and paging do. */
export function pythonIntOrUndefined(text: string): bigint | undefined {
  const value = pythonIntText(text);
  return typeof value === 'bigint' ? value : undefined;
}

/**
 * The number an id names, or `undefined` beyond JavaScript's safe integers, where Number() would
 * round it onto another: no object the simulator holds has such an id.
 */
export function exactNumber(value: bigint): number | undefined {
  const exact =
    value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return exact ? Number(value) : undefined;
}
