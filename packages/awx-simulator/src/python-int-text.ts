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

/**
 * The integer int(text) gives, or why it raises ValueError: surrounding whitespace, one sign,
 * decimal digits of any script with single underscores between them, and no more than
 * sys.get_int_max_str_digits() digits.
 */
export function pythonIntText(text: string): bigint | IntTextRefusal {
  const invalid: IntTextRefusal = { reason: 'invalid-literal' };
  const chars = [...text];
  let at = 0;
  while (at < chars.length && INT_SPACE.test(chars[at] ?? '')) at += 1;
  const sign = chars[at] === '-' || chars[at] === '+' ? chars[at] : '';
  if (sign !== '') at += 1;
  let digits = '';
  let previous = '';
  for (; at < chars.length; at += 1) {
    const char = chars[at] ?? '';
    const value = decimalValue(char);
    if (value === undefined && char !== '_') break;
    // An underscore may neither lead, nor follow another, nor end the run.
    if (char === '_' && (digits === '' || previous === '_')) return invalid;
    if (value !== undefined) digits += String(value);
    previous = char;
  }
  if (previous === '_') return invalid;
  if (digits.length > PYTHON_INT_MAX_STR_DIGITS) {
    return { reason: 'too-many-digits', digits: digits.length };
  }
  while (at < chars.length && INT_SPACE.test(chars[at] ?? '')) at += 1;
  if (digits === '' || at < chars.length) return invalid;
  const magnitude = BigInt(digits);
  return sign === '-' ? -magnitude : magnitude;
}

/** The ValueError int(text) raises, in CPython's words, which DAB's `__int` filter passes on. */
export function intValueErrorText(text: string, refusal: IntTextRefusal): string {
  return refusal.reason === 'too-many-digits'
    ? intDigitsLimitText(refusal.digits)
    : `invalid literal for int() with base 10: ${truncatedRepr(text, 200)}`;
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
