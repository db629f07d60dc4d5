import { describe, expect, it } from 'vitest';
import { parseJsonText, pythonFloatRepr, pythonJsonDumps } from './python-json.js';

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
});
