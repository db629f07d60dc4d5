import { describe, expect, it } from 'vitest';
import { parseJsonText, pythonFloatRepr, pythonJsonDumps, pythonRepr } from './python-json.js';

describe('python-json', () => {
  it('round-trips integers beyond 2^53 exactly, in json.dumps spelling', () => {
    const text =
      '{"max":9223372036854775807,"min":-9223372036854775808,"n":[1,2.50,1.0],"s":"é\\n"}';
    expect(pythonJsonDumps(parseJsonText(text))).toBe(
      '{"max": 9223372036854775807, "min": -9223372036854775808, "n": [1, 2.5, 1.0], "s": "\\u00e9\\n"}',
    );
  });

  it('keeps exact integers when a parsed body is rendered back as JSON', () => {
    expect(JSON.stringify(parseJsonText('{"id":9223372036854775807}'))).toBe(
      '{"id":9223372036854775807}',
    );
  });

  it.each([
    [1, '1.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [1.5e-5, '1.5e-05'],
    [123456.789, '123456.789'],
  ])('spells %d as Python repr does', (value, repr) => {
    expect(pythonFloatRepr(value)).toBe(repr);
  });

  it('reads NaN, the infinities and a float too large as Python does, and writes them back', () => {
    const value = parseJsonText('{"a": NaN, "b": [Infinity, -Infinity, 1e400, -1e400]}');
    expect(pythonJsonDumps(value)).toBe(
      '{"a": NaN, "b": [Infinity, -Infinity, Infinity, -Infinity]}',
    );
    expect(pythonRepr(value)).toBe("{'a': nan, 'b': [inf, -inf, inf, -inf]}");
  });

  it('keeps a key __proto__ and a repeated key in its first place with its last value', () => {
    const value = parseJsonText('{"a": 1, "__proto__": 2, "b": 3, "a": 4}');
    expect(pythonJsonDumps(value)).toBe('{"a": 4, "__proto__": 2, "b": 3}');
  });

  it('joins an escaped surrogate pair and keeps a lone surrogate', () => {
    expect(parseJsonText('"\\ud83d\\ude00 \\ud83d"')).toBe('\u{1f600} \ud83d');
  });

  // Python 3.11's json.loads, str() of each JSONDecodeError.
  it.each([
    ['', 'Expecting value: line 1 column 1 (char 0)'],
    ['{"a":1,}', 'Expecting property name enclosed in double quotes: line 1 column 8 (char 7)'],
    ['[1,]', 'Expecting value: line 1 column 4 (char 3)'],
    ['{', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
    ['{NaN:1}', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
    ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
    ['{"a":1 "b"}', "Expecting ',' delimiter: line 1 column 8 (char 7)"],
    ['[1 2]', "Expecting ',' delimiter: line 1 column 4 (char 3)"],
    ['"abc', 'Unterminated string starting at: line 1 column 1 (char 0)'],
    ['"abc\\', 'Unterminated string starting at: line 1 column 1 (char 0)'],
    ['"a\\qb"', 'Invalid \\escape: line 1 column 3 (char 2)'],
    ['"\\u12zz"', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
    ['"\\u1234', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
    ['"a\u0001b"', 'Invalid control character at: line 1 column 3 (char 2)'],
    ['01', 'Extra data: line 1 column 2 (char 1)'],
    ['1.5e', 'Extra data: line 1 column 4 (char 3)'],
    ['-Inf', 'Expecting value: line 1 column 1 (char 0)'],
    ['\ufeff{}', 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)'],
    ['  \n [1,\n x]', 'Expecting value: line 3 column 2 (char 9)'],
    ['"\u{1f600}" x', 'Extra data: line 1 column 5 (char 4)'],
  ])('refuses %j in the words of json.loads', (text, message) => {
    expect(() => parseJsonText(text)).toThrow(message);
  });

  it("refuses an integer of more digits than Python 3.11's int() converts, with its ValueError", () => {
    expect(pythonJsonDumps(parseJsonText(`[-${'9'.repeat(4300)}]`))).toBe(`[-${'9'.repeat(4300)}]`);
    expect(() => parseJsonText(`[-${'9'.repeat(4301)}]`)).toThrow(
      /^Exceeds the limit \(4300 digits\) for integer string conversion: value has 4301 digits; use sys\.set_int_max_str_digits\(\) to increase the limit$/,
    );
  });
});
