import { describe, expect, it } from 'vitest';
import { parseJsonText } from './python-json.js';
import {
  PythonTypeError,
  pythonCompareNumbers,
  pythonContains,
  pythonEquals,
  pythonStrip,
} from './python-operators.js';

const py = (json: string) => parseJsonText(json);

describe('python-operators', () => {
  it('equates as Python does: bools are ints, ints equal floats, containers deeply', () => {
    expect(pythonEquals(true, 1)).toBe(true);
    expect(pythonEquals(py('1.0'), 1)).toBe(true);
    expect(pythonEquals(py('9223372036854775807'), py('9223372036854775806'))).toBe(false);
    expect(pythonEquals('1', 1)).toBe(false);
    expect(pythonEquals(null, false)).toBe(false);
    expect(pythonEquals(py('{"a": [1, true]}'), py('{"a": [1.0, 1]}'))).toBe(true);
    expect(pythonEquals(py('{"a": 1}'), py('{"a": 1, "b": 2}'))).toBe(false);
    expect(pythonEquals([1], { 0: 1 })).toBe(false);
  });

  it('finds a NaN equal to nothing, itself included, nor in a list', () => {
    expect(pythonEquals(py('NaN'), py('NaN'))).toBe(false);
    expect(pythonEquals(py('{"a": [NaN]}'), py('{"a": [NaN]}'))).toBe(false);
    expect(pythonContains(py('[NaN]'), py('NaN'))).toBe(false);
    expect(pythonEquals(py('Infinity'), py('1e400'))).toBe(true);
  });

  it('searches text for a substring, a list for an equal item, an object for a key', () => {
    expect(pythonContains('abc', 'bc')).toBe(true);
    expect(pythonContains(['a', 1], true)).toBe(true);
    expect(pythonContains({ a: 1 }, 'a')).toBe(true);
    expect(pythonContains({ 1: 1 }, 1)).toBe(false);
  });

  it('raises where Python raises TypeError', () => {
    expect(() => pythonContains('abc', 1)).toThrow(PythonTypeError);
    expect(() => pythonContains({ a: 1 }, ['a'])).toThrow(PythonTypeError);
    expect(() => pythonContains(5, 'a')).toThrow(
      "TypeError: argument of type 'int' is not iterable",
    );
    expect(() => pythonCompareNumbers('a', 1)).toThrow(PythonTypeError);
  });

  it('orders numbers exactly, ints beyond 2^53 included', () => {
    expect(pythonCompareNumbers(py('9223372036854775807'), py('9223372036854775806'))).toBe(1);
    expect(pythonCompareNumbers(py('0.5'), true)).toBe(-1);
    expect(pythonCompareNumbers(2, py('2.0'))).toBe(0);
  });

  it("strips what Python's str.isspace() counts, which is not what trim() does", () => {
    expect(pythonStrip('\x1f\x85 a b\u3000\n')).toBe('a b');
    expect(pythonStrip('\ufeffa\ufeff')).toBe('\ufeffa\ufeff');
  });
});
