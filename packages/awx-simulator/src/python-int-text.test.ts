import { describe, expect, it } from 'vitest';
import { type IntBase, intValueErrorText, pythonIntText } from './python-int-text.js';

function intText(text: string): string | null {
  const value = pythonIntText(text);
  return typeof value === 'bigint' ? value.toString() : null;
}

/** The ValueError's message, as DAB's `__int` filter answers it, or null where int() reads it. */
function valueError(text: string): string | null {
  const value = pythonIntText(text);
  return typeof value === 'bigint' ? null : intValueErrorText(text, value);
}

// [text, str(int(text)) or null where int() raises ValueError], computed with CPython 3.11.7:
// random strings of digits of several scripts (one of them, Kawi's, newer than Python's
// Unicode 14), signs, underscores, whitespace Python counts and whitespace it does not.
const CPYTHON: ReadonlyArray<readonly [string, string | null]> = [
  ['\u0000+', null],
  ['\u00000', null],
  ['\t', null],
  ['\t\u001f \ufeff\ud807\udf55', null],
  ['\t \u0000\u2167\ufeff\u0663', null],
  ['\t\ufeff', null],
  ['\n ', null],
  ['\n+.', null],
  ['\n97\u2167', null],
  ['\n\u3000\t', null],
  ['\u001c00', null],
  ['\u001c9\u1045\u0663-', null],
  ['\u001c\uff15\u2167', null],
  ['\u001f \ud835\udfd3\u1045', null],
  ['\u001f9\u2167\u21677', null],
  ['\u001f\u0663\u200b 0\u0000', null],
  ['\u001f\ufeff\u1045\u00b2 ', null],
  ['\u001f\ud835\udfd3a0', null],
  [' ', null],
  [' +\u3000', null],
  [' 0\u00b2\u0085', null],
  [' 90\uff15\ud835\udfd3', '9055'],
  [' \u0663', '3'],
  [' \u10457097', '57097'],
  [' \u1045\ud835\udfd3', '55'],
  [' \ud807\udf55 \u0663', null],
  [' \ud835\udfd3', '5'],
  ['+', null],
  ['+7 ', '7'],
  ['+9', '9'],
  ['+\ufeff\u0663a', null],
  ['+\ud803\udd45 77\uff15', null],
  ['-', null],
  ['--', null],
  ['-0', '0'],
  ['.7  \u001c ', null],
  ['0', '0'],
  ['0\u0000\uff15', null],
  ['0  \u2167', null],
  ['00', '0'],
  ['009__', null],
  ['070 ', '70'],
  ['09\ufeff_', null],
  ['0_ ', null],
  ['0a', null],
  ['0\u10457\u0663\u001f+', null],
  ['0\ud803\udd45-7_\u0663', null],
  ['0\ud835\udfd3\ufeff\ud807\udf55\u00009', null],
  ['7', '7'],
  ['7\u0000\n\na_', null],
  ['7\u0000+\u0085', null],
  ['7\n77\u1045\uff15', null],
  ['7 ', '7'],
  ['7 9\u001c9\u1045', null],
  ['7+70', null],
  ['709', '709'],
  ['7_7\uff15', '775'],
  ['7\u1045 0\u0663 ', null],
  ['7\u200b\u200b\t\u001c\ud807\udf55', null],
  ['7\u21670\u1045', null],
  ['9', '9'],
  ['9\u0000 \ud835\udfd3', null],
  ['9\t+9\ud807\udf55\ud835\udfd3', null],
  ['9 \u0663', null],
  ['9-\u0663\u001c', null],
  ['9-\ud803\udd45', null],
  ['90', '90'],
  ['90\u0085\u0085\u001f\u1045', null],
  ['90\u2167\t9\ufeff', null],
  ['979+9', null],
  ['99', '99'],
  ['99\t\u200b+\ud807\udf55', null],
  ['9_-\ud803\udd45a', null],
  ['9_77\u001c', null],
  ['9\u0085.', null],
  ['9\u00859', null],
  ['9\u0663\u001c9\uff157', null],
  ['9\u1045\u3000', '95'],
  ['9\u21677_ \u1045', null],
  ['9\ufeff\u001f\u0085\u0085\u0000', null],
  ['9\ufeff-9 ', null],
  ['_', null],
  ['_\t\u00850a\u1045', null],
  ['_ \uff15', null],
  ['_.7\ud835\udfd3\u3000', null],
  ['_0', null],
  ['_0070 ', null],
  ['_79 ', null],
  ['__\u200b\u1045', null],
  ['_\u06637', null],
  ['_\ufeff\ufeff9', null],
  ['_\ud803\udd457\u06639', null],
  ['_\ud835\udfd3\u001c', null],
  ['a', null],
  ['a+\uff15\n', null],
  ['a0\t0', null],
  ['a7\u10450-\u1045', null],
  ['a\u0663 0\ufeff', null],
  ['a\ud835\udfd3', null],
  ['\u0085-\t7\u00b2\u1045', null],
  ['\u008500', '0'],
  ['\u00857\uff15\u000079', null],
  ['\u008599\t.', null],
  ['\u0085\u06637\uff15', '375'],
  ['\u0085\u3000', null],
  ['\u00b2', null],
  ['\u00b2_\u001f0_\u0663', null],
  ['\u00b2\u0663\u00b2\u00857', null],
  ['\u00b2\u0663\u06630\u0000', null],
  ['\u0663\n', '3'],
  ['\u066307', '307'],
  ['\u06630\u00b2', null],
  ['\u06630\u0663\u0000\u2167\u00b2', null],
  ['\u06630\u3000\ud803\udd45\u0085', null],
  ['\u066399\uff15 ', '3995'],
  ['\u0663_', null],
  ['\u0663\u1045+', null],
  ['\u0663\u10459\u06630\ud835\udfd3', '359305'],
  ['\u0663\ufeff\u0085 7', null],
  ['\u0663\ud835\udfd3\n\u06637', null],
  ['\u1045', '5'],
  ['\u1045 ', '5'],
  ['\u1045 07-', null],
  ['\u1045+', null],
  ['\u10459-\n\u3000\u2167', null],
  ['\u1045\u00b2\u1045\u200b\u0663\n', null],
  ['\u1045\u0663', '53'],
  ['\u1045\u1045-a\u001c_', null],
  ['\u1045\uff15\u00007', null],
  ['\u1045\ud807\udf55+-', null],
  ['\u200b', null],
  ['\u200b ', null],
  ['\u200b_', null],
  ['\u2167', null],
  ['\u2167\u001c\u1045', null],
  ['\u2167_', null],
  ['\u2167\u0663\u0085', null],
  ['\u2167\u1045+9', null],
  ['\u2167\u1045\ufeff\u10459', null],
  ['\u300007\ufeff00', null],
  ['\u3000770\u1045', '7705'],
  ['\ufeff', null],
  ['\ufeff+9\u0085', null],
  ['\ufeff\u00b2+', null],
  ['\ufeff\uff157\u2167\u001c_', null],
  ['\uff15', '5'],
  ['\uff15 ', '5'],
  ['\uff15\u2167\u00b2', null],
  ['\ud803\udd45', null],
  ['\ud803\udd457_', null],
  ['\ud807\udf557\u2167', null],
  ['\ud835\udfd3', '5'],
  ['\ud835\udfd3\t00\ud803\udd45\u0085', null],
  ['\ud835\udfd3\u001f', null],
  ['\ud835\udfd37\ud835\udfd37', '5757'],
  ['\ud835\udfd3\u0085', '5'],
  ['\ud835\udfd3\u00b2', null],
  ['\ud835\udfd3\u1045-', null],
  ['\ud835\udfd3\u200b9\u216799', null],
  ['\ud835\udfd3\u200b\ud835\udfd3\n7', null],
];

describe('pythonIntText', () => {
  it('reads what CPython 3.11 reads, to the same value, and refuses the rest', () => {
    for (const [text, expected] of CPYTHON) {
      expect([text, intText(text)]).toEqual([text, expected]);
    }
  });

  it("uses int()'s whitespace and Unicode's decimal digits, not JavaScript's \\s and \\d", () => {
    expect(intText('\ufeff5')).toBeNull();
    expect(intText('\x855')).toBe('5');
    expect(intText('\u0663')).toBe('3');
    expect(intText('\x1c5')).toBeNull();
    expect(intText('5\x1f')).toBeNull();
    expect(intText('\u30001_000\u3000')).toBe('1000');
    expect(intText('-\u{1d7d3}\u0663')).toBe('-53');
    expect(intText('- 5')).toBeNull();
    expect(intText('1_')).toBeNull();
  });

  it('refuses more than 4300 digits, underscores not counted, as int() does', () => {
    expect(intText('1'.repeat(4300))).toBe('1'.repeat(4300));
    expect(intText('1'.repeat(4301))).toBeNull();
    expect(intText(`${'1_'.repeat(4300)}1`)).toBeNull();
    expect(intText(`${' '.repeat(5000)}1`)).toBe('1');
  });

  it("reads bases 2, 8 and 16 as int(text, base) does: the base's own prefix, any script's digits, no digit limit", () => {
    // [text, base, str(int(text, base)) or its ValueError], from CPython 3.11.7.
    const cases: ReadonlyArray<readonly [string, IntBase, string]> = [
      ['0x1F', 16, '31'],
      [' -0X_1f\u3000', 16, '-31'],
      ['\u0660x\u0663', 16, '3'],
      ['1_f', 16, '31'],
      ['0x__1', 16, "invalid literal for int() with base 16: '0x__1'"],
      ['\uff21', 16, "invalid literal for int() with base 16: '\uff21'"],
      ['+0B1_0\n', 2, '2'],
      ['0b0b1', 2, "invalid literal for int() with base 2: '0b0b1'"],
      ['2', 2, "invalid literal for int() with base 2: '2'"],
      ['0O_7 ', 8, '7'],
      ['\u0667', 8, '7'],
      ['0x1', 8, "invalid literal for int() with base 8: '0x1'"],
      ['8', 8, "invalid literal for int() with base 8: '8'"],
      ['f'.repeat(4301), 16, (16n ** 4301n - 1n).toString()],
    ];
    for (const [text, base, expected] of cases) {
      const value = pythonIntText(text, base);
      const read =
        typeof value === 'bigint' ? value.toString() : intValueErrorText(text, value, base);
      expect([text, base, read]).toEqual([text, base, expected]);
    }
  });

  // Each computed with CPython 3.11.7's int(): past the limit it counts the run of digits (and
  // single underscores) after the spaces and sign, before it looks at what follows.
  it("words each refusal as int()'s ValueError, the digit limit where CPython applies it", () => {
    const limit = (digits: number) =>
      `Exceeds the limit (4300 digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`;
    const literal = (repr: string) => `invalid literal for int() with base 10: ${repr}`;
    const ones = (n: number) => '1'.repeat(n);
    const cases: ReadonlyArray<readonly [string, string | null]> = [
      [ones(4300), null],
      [ones(4301), limit(4301)],
      [` \t-${ones(4301)}\u3000`, limit(4301)],
      [`${'1_'.repeat(4300)}1`, limit(4301)],
      [`${ones(4301)}a`, limit(4301)],
      [`${ones(4301)} 1`, limit(4301)],
      ['0'.repeat(4301), limit(4301)],
      ['\u0663'.repeat(4302), limit(4302)],
      [`${ones(4301)}_`, literal(`'${ones(199)}`)],
      [`${ones(4301)}__1`, literal(`'${ones(199)}`)],
      [`_${ones(4301)}`, literal(`'_${ones(198)}`)],
      [`a${ones(4301)}`, literal(`'a${ones(198)}`)],
      [`+-${ones(4301)}`, literal(`'+-${ones(197)}`)],
      [`${ones(4300)}a${ones(10)}`, literal(`'${ones(199)}`)],
      ["it's", literal(`"it's"`)],
      ['x\x00\u200b"\'', literal(`'x\\x00\\u200b"\\''`)],
      ['12.5', literal("'12.5'")],
      ['', literal("''")],
    ];
    for (const [text, expected] of cases) expect(valueError(text)).toBe(expected);
  });
});
