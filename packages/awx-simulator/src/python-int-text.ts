/**
 * Python's int() of text in base 10, as AWX's CPython 3.11 reads it: where a client sends a
 * primary key, an owner id or a DRF IntegerField as a string, this decides whether AWX sees a
 * number. JavaScript's `\s` and `\d` are not its rules.
 */
import { PYTHON_INT_MAX_STR_DIGITS } from './python-json.js';

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
 * The integer int(text) gives, or `undefined` where it raises ValueError: surrounding
 * whitespace, one sign, decimal digits of any script with single underscores between them, and
 * no more than sys.get_int_max_str_digits() digits.
 */
export function pythonIntText(text: string): bigint | undefined {
  const chars = [...text];
  let start = 0;
  let end = chars.length;
  while (start < end && INT_SPACE.test(chars[start] ?? '')) start += 1;
  while (end > start && INT_SPACE.test(chars[end - 1] ?? '')) end -= 1;
  const sign = chars[start] === '-' || chars[start] === '+' ? chars[start] : '';
  if (sign !== '') start += 1;
  let digits = '';
  for (let at = start; at < end; at += 1) {
    const char = chars[at] ?? '';
    const underscoreJoins = char === '_' && digits !== '' && chars[at - 1] !== '_' && at < end - 1;
    if (underscoreJoins) continue;
    const value = decimalValue(char);
    if (value === undefined) return undefined;
    digits += String(value);
  }
  if (digits === '' || digits.length > PYTHON_INT_MAX_STR_DIGITS) return undefined;
  const magnitude = BigInt(digits);
  return sign === '-' ? -magnitude : magnitude;
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
