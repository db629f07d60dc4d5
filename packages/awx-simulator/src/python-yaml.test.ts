import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from './python-json.js';
import { MAX_ALIAS_EXPANSION, safeLoad } from './python-yaml.js';
import { jsonCompatible } from './python-yaml-dumps.js';
import { MAX_NESTING } from './pyyaml-composer.js';
import { AwxServerError } from './replies.js';

/** `json.dumps(yaml.safe_load(text))`, or the error of either. */
function dumped(text: string): string {
  const loaded = safeLoad(text);
  if (!loaded.ok) return `YAML: ${loaded.error}`;
  const written = jsonCompatible(loaded.value);
  return written.ok ? pythonJsonDumps(written.value) : `JSON: ${written.error}`;
}

describe('safeLoad', () => {
  it("resolves plain scalars with PyYAML's YAML 1.1 rules, quoted ones as text", () => {
    expect(dumped('a: yes\nb: Off\nc: y\nd: "yes"\ne: NO')).toBe(
      '{"a": true, "b": false, "c": "y", "d": "yes", "e": false}',
    );
    expect(dumped('a: 010\nb: 0x1F\nc: 0b101\nd: 1_000\ne: 1:30\nf: 09\ng: -0x10')).toBe(
      '{"a": 8, "b": 31, "c": 5, "d": 1000, "e": 90, "f": "09", "g": -16}',
    );
    expect(dumped('a: 9223372036854775808\nb: 1e5\nc: 1.\nd: .5\ne: 1:30.5\nf: 1.5e+3')).toBe(
      '{"a": 9223372036854775808, "b": "1e5", "c": 1.0, "d": 0.5, "e": 90.5, "f": 1500.0}',
    );
    expect(dumped('a: .inf\nb: -.Inf\nc: .NaN\nd: ~\ne:\nf: Null\ng: nil')).toBe(
      '{"a": Infinity, "b": -Infinity, "c": NaN, "d": null, "e": null, "f": null, "g": "nil"}',
    );
  });

  it('applies explicit standard tags and refuses unknown ones', () => {
    expect(dumped("a: !!str 1\nb: !!int '7'\nc: !!float '2'")).toBe('{"a": "1", "b": 7, "c": 2.0}');
    expect(dumped('a: !foo bar')).toBe(
      "YAML: could not determine a constructor for the tag '!foo'\n" +
        '  in "<unicode string>", line 1, column 4:\n    a: !foo bar\n       ^',
    );
  });

  it('keys a mapping as a Python dict does: first spelling, last value, 1 == 1.0 == true', () => {
    expect(dumped('1: one\ntrue: yes\n1.0: uno\n~: none\n2.5: x')).toBe(
      '{"1": "uno", "null": "none", "2.5": "x"}',
    );
    expect(dumped('? [1]\n: 2')).toBe(
      'YAML: while constructing a mapping\n' +
        '  in "<unicode string>", line 1, column 1:\n    ? [1]\n    ^\n' +
        'found unhashable key\n' +
        '  in "<unicode string>", line 1, column 3:\n    ? [1]\n      ^',
    );
  });

  it("resolves a plain `=` or `<<` value to PyYAML's value or merge tag, which SafeConstructor cannot construct", () => {
    const undefinedTag = (name: string, text: string, column: number) =>
      `YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:${name}'\n` +
      `  in "<unicode string>", line 1, column ${column}:\n    ${text}\n${' '.repeat(column + 3)}^`;
    expect(dumped('a: =')).toBe(undefinedTag('value', 'a: =', 4));
    expect(dumped('a: [1, =]')).toBe(undefinedTag('value', 'a: [1, =]', 8));
    expect(dumped('=')).toBe(undefinedTag('value', '=', 1));
    expect(dumped('a: <<')).toBe(undefinedTag('merge', 'a: <<', 4));
    // Quoted, or more than the one character, it is text.
    expect(dumped('a: "="\nb: ==\nc: =x')).toBe('{"a": "=", "b": "==", "c": "=x"}');
  });

  it('reads a `=` key as the text "=", as flatten_mapping retags it', () => {
    expect(dumped('=: 1\nb: 2')).toBe('{"=": 1, "b": 2}');
    expect(dumped('? =\n: x')).toBe('{"=": "x"}');
    expect(dumped('base: &b {=: 1}\nd: {<<: *b}')).toBe('{"base": {"=": 1}, "d": {"=": 1}}');
  });

  it('words a merge of what is not a mapping as flatten_mapping does, and merges a mapping into itself as its own keys', () => {
    const inMapping = 'while constructing a mapping\n  in "<unicode string>", line 1, column 4:';
    expect(dumped('a: {<<: 1}')).toBe(
      `YAML: ${inMapping}\n    a: {<<: 1}\n       ^\n` +
        'expected a mapping or list of mappings for merging, but found scalar\n' +
        '  in "<unicode string>", line 1, column 9:\n    a: {<<: 1}\n            ^',
    );
    expect(dumped('a: {<<: [{x: 1}, [2]]}')).toBe(
      `YAML: ${inMapping}\n    a: {<<: [{x: 1}, [2]]}\n       ^\n` +
        'expected a mapping for merging, but found sequence\n' +
        '  in "<unicode string>", line 1, column 18:\n    a: {<<: [{x: 1}, [2]]}\n                     ^',
    );
    // flatten_mapping deletes the merge key before it flattens what it names.
    expect(dumped('a: &a {<<: *a, x: 1}')).toBe('{"a": {"x": 1}}');
  });

  it('merges the mappings of `<<`, the earlier of a list and the own keys winning', () => {
    expect(dumped('a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  z: 3')).toBe(
      '{"a": {"x": 1, "y": 1}, "b": {"y": 2, "z": 2}, "c": {"y": 1, "z": 3, "x": 1}}',
    );
  });

  it('writes an aliased value once per alias, as json.dumps does', () => {
    expect(dumped('x: &a [1, {k: v}]\ny: [*a, *a]')).toBe(
      '{"x": [1, {"k": "v"}], "y": [[1, {"k": "v"}], [1, {"k": "v"}]]}',
    );
  });

  it('refuses, as a 500, aliases that expand past MAX_ALIAS_EXPANSION values, without expanding them', () => {
    // Nine lists of nine aliases of the one before: 9^9 values once written out.
    const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) {
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    }
    expect(() => dumped(lines.join('\n'))).toThrow(AwxServerError);
    expect(() => dumped(lines.join('\n'))).toThrow(`past ${MAX_ALIAS_EXPANSION} values`);
  });

  it('refuses, as a 500, merge keys that copy past MAX_ALIAS_EXPANSION pairs', () => {
    // Each mapping merges the one before twice: 2^40 pairs for flatten_mapping to copy.
    const lines = ['m0: &m0 {k0: 1}'];
    for (let i = 1; i < 40; i++)
      lines.push(`m${i}: &m${i} {<<: [*m${i - 1}, *m${i - 1}], k${i}: 1}`);
    expect(() => dumped(lines.join('\n'))).toThrow(AwxServerError);
  });

  it("names what json.dumps cannot write as Python's TypeError does", () => {
    expect(dumped('a: [2024-01-01 10:00:00]')).toBe(
      'JSON: Object of type datetime is not JSON serializable',
    );
    expect(dumped('a: !!binary aGVsbG8=')).toBe(
      'JSON: Object of type bytes is not JSON serializable',
    );
    expect(dumped('a: &x [1, *x]')).toBe('JSON: Circular reference detected');
    expect(dumped('2024-01-01: x')).toBe(
      'JSON: keys must be str, int, float, bool or None, not datetime.date',
    );
  });

  it('marks an error where PyYAML does: at the first anchor or tag, at the anchored node of an alias, by code point', () => {
    expect(dumped('a: &x !!set [1]')).toBe(
      'YAML: expected a mapping node, but found sequence\n' +
        '  in "<unicode string>", line 1, column 4:\n    a: &x !!set [1]\n       ^',
    );
    expect(dumped('b: &x 1\nc: {<<: *x}')).toBe(
      'YAML: while constructing a mapping\n' +
        '  in "<unicode string>", line 2, column 4:\n    c: {<<: *x}\n       ^\n' +
        'expected a mapping or list of mappings for merging, but found scalar\n' +
        '  in "<unicode string>", line 1, column 4:\n    b: &x 1\n       ^',
    );
    // A property on the line of a block mapping's first key is the key's, and starts the mapping.
    expect(dumped('&x !!str k: 1\n<<: 0')).toMatch(
      /^YAML: while constructing a mapping\n {2}in "<unicode string>", line 1, column 1:\n {4}&x !!str k: 1\n {4}\^\n/,
    );
    expect(dumped('!!map\n<<: 1')).toMatch(
      /^YAML: while constructing a mapping\n {2}in "<unicode string>", line 1, column 1:\n {4}!!map\n {4}\^\n/,
    );
    expect(dumped('é: [1, !!str [2]]')).toBe(
      'YAML: expected a scalar node, but found sequence\n' +
        '  in "<unicode string>", line 1, column 8:\n    é: [1, !!str [2]]\n           ^',
    );
    expect(dumped('a: 1\r\nb: !!map x')).toBe(
      'YAML: expected a mapping node, but found scalar\n' +
        '  in "<unicode string>", line 2, column 4:\n    b: !!map x\n       ^',
    );
    expect(dumped(`z: [${'q, '.repeat(30)}!!seq y]`)).toBe(
      'YAML: expected a sequence node, but found scalar\n' +
        '  in "<unicode string>", line 1, column 95:\n' +
        `     ... ${', q'.repeat(10)}, !!seq y]\n${' '.repeat(41)}^`,
    );
  });

  it('refuses a standard tag on a node of the wrong kind and an unknown tag on a collection', () => {
    expect(dumped('a:\n  - b: !!python/tuple [1]')).toBe(
      "YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/tuple'\n" +
        '  in "<unicode string>", line 2, column 8:\n      - b: !!python/tuple [1]\n           ^',
    );
    expect(dumped('a: !!omap {a: 1}')).toBe(
      'YAML: while constructing an ordered map\nexpected a sequence, but found mapping\n' +
        '  in "<unicode string>", line 1, column 4:\n    a: !!omap {a: 1}\n       ^',
    );
    expect(dumped('a: !!pairs [{a: 1}, b]')).toBe(
      'YAML: while constructing pairs\n' +
        '  in "<unicode string>", line 1, column 4:\n    a: !!pairs [{a: 1}, b]\n       ^\n' +
        'expected a mapping of length 1, but found scalar\n' +
        '  in "<unicode string>", line 1, column 21:\n    a: !!pairs [{a: 1}, b]\n                        ^',
    );
    expect(dumped('a: !!omap [{a: 1}, {b: [2]}]')).toBe('{"a": [["a", 1], ["b", [2]]]}');
  });

  it("refuses an undefined alias and a repeated anchor as PyYAML's Composer does", () => {
    expect(dumped('a: [1, *q]')).toBe(
      "YAML: found undefined alias 'q'\n" +
        '  in "<unicode string>", line 1, column 8:\n    a: [1, *q]\n           ^',
    );
    expect(dumped('a: &x 1\nb: &x 2')).toBe(
      "YAML: found duplicate anchor 'x'; first occurrence\n" +
        '  in "<unicode string>", line 1, column 4:\n    a: &x 1\n       ^\n' +
        'second occurrence\n  in "<unicode string>", line 2, column 4:\n    b: &x 2\n       ^',
    );
  });

  it('reads explicitly tagged scalars as Python does, and fails as AWX does where Python raises what parse_yaml_or_json does not catch', () => {
    expect(dumped('a: !!float inf\nb: !!float -Infinity\nc: !!int 0o17\nd: !!float 1e5')).toBe(
      '{"a": Infinity, "b": -Infinity, "c": 15, "d": 100000.0}',
    );
    // construct_yaml_timestamp's AttributeError, which parse_yaml_or_json words.
    expect(dumped('a: !!timestamp xx')).toBe(
      "YAML: 'NoneType' object has no attribute 'groupdict'",
    );
    // ValueError, KeyError, IndexError: a 500.
    for (const text of [
      'a: !!int foo',
      'a: !!float x',
      'a: !!bool maybe',
      "a: !!int ''",
      'date: 2020-02-30',
      'at: 2020-01-01 24:00:00',
    ]) {
      expect(() => safeLoad(text), text).toThrow(AwxServerError);
    }
    expect(dumped('date: 2020-02-29')).toBe('JSON: Object of type date is not JSON serializable');
  });

  it("reads an explicit !!int with Python's int(), and words its ValueError with Python's repr", () => {
    // Each as PyYAML 6.0.3 on CPython 3.11.7 reads it: int() takes spaces and any script's
    // digits, and construct_yaml_int takes one sign before int() takes another.
    expect(dumped('a: !!int " 12\u00a0"\nb: !!int "--5"\nc: !!int "\u0663"')).toBe(
      '{"a": 12, "b": 5, "c": 3}',
    );
    const refusals: ReadonlyArray<readonly [string, string]> = [
      ['a: !!int "it\'s"', `ValueError: invalid literal for int() with base 10: "it's"`],
      ['a: !!int "x\\ty"', "ValueError: invalid literal for int() with base 10: 'x\\ty'"],
      ['a: !!int "0b2"', "ValueError: invalid literal for int() with base 2: '2'"],
    ];
    for (const [text, message] of refusals) {
      expect(() => safeLoad(text), text).toThrow(new AwxServerError(message));
    }
  });

  it('reads an explicit !!int in bases 2, 8 and 16 and sexagesimal as construct_yaml_int hands it to int()', () => {
    // Each as PyYAML 6.0.3 on CPython 3.11.7 reads it: construct_yaml_int drops every `_` and
    // takes one sign, then int(rest, base) takes spaces, another sign, the base's prefix again
    // (either case) and any script's decimal digits.
    const read: ReadonlyArray<readonly [string, string]> = [
      ['a: !!int "0x 1F"', '31'],
      ['a: !!int "-0x-1"', '1'],
      ['a: !!int "0x0X1f"', '31'],
      ['a: !!int "0b0B1"', '1'],
      ['a: !!int "0b\u0661 "', '1'],
      ['a: !!int "0O17"', '15'],
      ['a: !!int "07\u3000"', '7'],
      ['a: !!int "0\u0667"', '7'],
      ['a: !!int "0_x1F"', '31'],
      ['a: !!int "1: -30"', '30'],
      ['a: !!int "1:\u0663"', '63'],
    ];
    for (const [text, value] of read)
      expect([text, dumped(text)]).toEqual([text, `{"a": ${value}}`]);
    const refusals: ReadonlyArray<readonly [string, string]> = [
      ['a: !!int "0X1F"', "ValueError: invalid literal for int() with base 8: '0X1F'"],
      ['a: !!int "0:30"', "ValueError: invalid literal for int() with base 8: '0:30'"],
      ['a: !!int "0x"', "ValueError: invalid literal for int() with base 16: ''"],
      ['a: !!int "1::30"', "ValueError: invalid literal for int() with base 10: ''"],
      ['a: !!int "-_"', 'IndexError: string index out of range'],
    ];
    for (const [text, message] of refusals) {
      expect(() => safeLoad(text), text).toThrow(new AwxServerError(message));
    }
    // float() is handed what follows the sign, empty or not.
    expect(() => safeLoad('a: !!float "-"')).toThrow(
      new AwxServerError("ValueError: could not convert string to float: ''"),
    );
  });

  it('reads a plain integer of any base whole, and refuses to write one of more than 4300 decimal digits as json.dumps does', () => {
    expect(dumped('a: 0x_FFFF_FFFF_FFFF_FFFF\nb: -0b1_0\nc: 0_17\nd: 190:20:30')).toBe(
      '{"a": 18446744073709551615, "b": -2, "c": 15, "d": 685230}',
    );
    // int() reads any number of hex digits; the decimal text json.dumps needs is what is limited.
    const limit =
      'JSON: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit';
    expect(dumped(`a: -0x${'f'.repeat(3571)}`)).toBe(`{"a": -${(16n ** 3571n - 1n).toString()}}`);
    expect(dumped(`a: -0x${'f'.repeat(3572)}`)).toBe(limit);
    expect(dumped(`? 0b${'1'.repeat(14300)}\n: x`)).toBe(limit);
    expect(dumped(`a: [2020-01-01, 0x${'f'.repeat(3600)}]`)).toBe(
      'JSON: Object of type date is not JSON serializable',
    );
  });

  it("refuses what PyYAML's scanner and parser refuse in their words, ahead of anything else", () => {
    expect(dumped('a: 1\n b: 2')).toBe(
      'YAML: mapping values are not allowed here\n' +
        '  in "<unicode string>", line 2, column 3:\n     b: 2\n      ^',
    );
    // An anchor's name is letters, digits, `-` and `_`, where YAML 1.2 takes far more.
    expect(dumped('a: &an.chor x\nb: *x')).toBe(
      'YAML: while scanning an anchor\n' +
        '  in "<unicode string>", line 1, column 4:\n    a: &an.chor x\n       ^\n' +
        "expected alphabetic or numeric character, but found '.'\n" +
        '  in "<unicode string>", line 1, column 7:\n    a: &an.chor x\n          ^',
    );
  });

  it("tells of two constructor errors the one PyYAML meets first, a collection's values after its parent's", () => {
    expect(dumped('a: {[x]: 1}\nb: !foo x')).toBe(
      "YAML: could not determine a constructor for the tag '!foo'\n" +
        '  in "<unicode string>", line 2, column 4:\n    b: !foo x\n       ^',
    );
    expect(dumped('a: &a [*a]')).toBe('JSON: Circular reference detected');
  });

  it("answers 500 where PyYAML's composer would recurse past Python's limit", () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(dumped(nested(MAX_NESTING))).toBe(
      `${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`,
    );
    expect(() => safeLoad(nested(MAX_NESTING + 1))).toThrow(AwxServerError);
  });

  it("refuses `!!binary` text that Python's base64.decodebytes cannot decode, at the scalar", () => {
    expect(dumped('a: !!binary aGk')).toBe(
      'YAML: failed to decode base64 data: Incorrect padding\n' +
        '  in "<unicode string>", line 1, column 4:\n    a: !!binary aGk\n       ^',
    );
    expect(dumped('a: !!binary aGVsb')).toMatch(
      /^YAML: failed to decode base64 data: Invalid base64-encoded string: number of data characters \(5\) cannot be 1 more than a multiple of 4\n/,
    );
    expect(dumped('a: !!binary aé€b')).toMatch(
      /^YAML: failed to convert base64 data into ascii: 'ascii' codec can't encode characters in position 1-2: ordinal not in range\(128\)\n/,
    );
    // Not strict: what is not of the alphabet is skipped, and enough padding ends the data.
    expect(dumped('a: !!binary "aG==k @"')).toBe(
      'JSON: Object of type bytes is not JSON serializable',
    );
  });
});
