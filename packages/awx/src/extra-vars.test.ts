import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  buildExtraVars,
  coerceParameter,
  type ExtraVars,
  type ExtraVarValue,
  serializeExtraVars,
} from './extra-vars.js';

type Kind = 'number' | 'bigint' | 'boolean' | 'string' | 'array' | 'object';

function kindOf(value: ExtraVarValue): string {
  return Array.isArray(value) ? 'array' : typeof value;
}

function wire(value: ExtraVarValue): string {
  return serializeExtraVars({ v: value });
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('coerceParameter', () => {
  // Every expected wire text matches what kubernaut's Go coercion and encoding/json produce.
  it.each<[string, string, Kind]>([
    // Step 1, ParseInt: a number while safe, a bigint up to int64, a float beyond.
    ['3', '3', 'number'],
    ['+3', '3', 'number'],
    ['007', '7', 'number'],
    ['-007', '-7', 'number'],
    ['00', '0', 'number'],
    ['-0', '0', 'number'],
    ['1', '1', 'number'],
    ['0', '0', 'number'],
    ['9007199254740991', '9007199254740991', 'number'],
    ['9007199254740992', '9007199254740992', 'bigint'],
    ['-9007199254740992', '-9007199254740992', 'bigint'],
    ['9223372036854775807', '9223372036854775807', 'bigint'],
    ['-9223372036854775808', '-9223372036854775808', 'bigint'],
    ['9223372036854775808', '9223372036854776000', 'number'],
    ['-9223372036854775809', '-9223372036854776000', 'number'],
    ['123456789012345678901', '123456789012345680000', 'number'],
    // Step 2, ParseFloat: Go float syntax; overflow stays a string, underflow is 0.
    ['1e3', '1000', 'number'],
    ['1E3', '1000', 'number'],
    ['1.0', '1', 'number'],
    ['3.0', '3', 'number'],
    ['5.', '5', 'number'],
    ['.5', '0.5', 'number'],
    ['-.5', '-0.5', 'number'],
    ['0.75', '0.75', 'number'],
    ['0001.50', '1.5', 'number'],
    ['-0.0', '-0', 'number'],
    ['+0e5', '0', 'number'],
    ['1.5E+2', '150', 'number'],
    ['1e21', '1e+21', 'number'],
    ['1e20', '100000000000000000000', 'number'],
    ['1e-7', '1e-7', 'number'],
    ['1e-6', '0.000001', 'number'],
    ['1_000', '1000', 'number'],
    ['1_0.5', '10.5', 'number'],
    ['0_1', '1', 'number'],
    ['1e1_0', '10000000000', 'number'],
    ['1__0', '"1__0"', 'string'],
    ['_1', '"_1"', 'string'],
    ['1_', '"1_"', 'string'],
    ['1_.5', '"1_.5"', 'string'],
    ['1._5', '"1._5"', 'string'],
    ['1_e5', '"1_e5"', 'string'],
    ['1e_5', '"1e_5"', 'string'],
    ['0x10', '"0x10"', 'string'],
    ['0b101', '"0b101"', 'string'],
    ['0o17', '"0o17"', 'string'],
    ['0x', '"0x"', 'string'],
    ['0x1p', '"0x1p"', 'string'],
    ['0x1p-2', '0.25', 'number'],
    ['+0x1p4', '16', 'number'],
    ['0X1P4', '16', 'number'],
    ['0x1.8p1', '3', 'number'],
    ['-0x.8p1', '-1', 'number'],
    ['0x1ep1', '60', 'number'],
    ['0x_1p0', '1', 'number'],
    ['0x1_p0', '"0x1_p0"', 'string'],
    ['0x1p-1074', '5e-324', 'number'],
    ['0x1p-1075', '0', 'number'],
    ['0x1.8p-1075', '5e-324', 'number'],
    ['0x1.00000000000008p0', '1', 'number'],
    ['0x1.000000000000080000001p0', '1.0000000000000002', 'number'],
    ['0x1.fffffffffffffp1023', '1.7976931348623157e+308', 'number'],
    ['0x1.fffffffffffff8p1023', '"0x1.fffffffffffff8p1023"', 'string'],
    ['0x1p2000', '"0x1p2000"', 'string'],
    ['1e400', '"1e400"', 'string'],
    ['-1e400', '"-1e400"', 'string'],
    ['1.7976931348623159e308', '"1.7976931348623159e308"', 'string'],
    ['1e-400', '0', 'number'],
    ['-1e-400', '-0', 'number'],
    ['-NaN', '"-NaN"', 'string'],
    ['+nan', '"+nan"', 'string'],
    ['infinit', '"infinit"', 'string'],
    ['nan1', '"nan1"', 'string'],
    // Step 3, ParseBool: exactly twelve spellings (1 and 0 were taken by step 1).
    ['true', 'true', 'boolean'],
    ['True', 'true', 'boolean'],
    ['TRUE', 'true', 'boolean'],
    ['t', 'true', 'boolean'],
    ['T', 'true', 'boolean'],
    ['false', 'false', 'boolean'],
    ['False', 'false', 'boolean'],
    ['FALSE', 'false', 'boolean'],
    ['f', 'false', 'boolean'],
    ['F', 'false', 'boolean'],
    ['tRUE', '"tRUE"', 'string'],
    ['yes', '"yes"', 'string'],
    ['no', '"no"', 'string'],
    ['on', '"on"', 'string'],
    ['off', '"off"', 'string'],
    // Nothing is trimmed, at any step.
    ['true ', '"true "', 'string'],
    [' true', '" true"', 'string'],
    [' 5', '" 5"', 'string'],
    ['5 ', '"5 "', 'string'],
    ['\t5', '"\\t5"', 'string'],
    ['5\n', '"5\\n"', 'string'],
    [' 1.5', '" 1.5"', 'string'],
    ['1.5 ', '"1.5 "', 'string'],
    [' ', '" "', 'string'],
    ['', '""', 'string'],
    // Step 4: only a whole [..] or {..} that Go's decoder accepts; lone surrogates become U+FFFD.
    ['[1,2,3]', '[1,2,3]', 'array'],
    ['[ 1 , 2 ]', '[1,2]', 'array'],
    ['[]', '[]', 'array'],
    ['{}', '{}', 'object'],
    ['{"a":1}', '{"a":1}', 'object'],
    ['{"a":1,"a":2}', '{"a":2}', 'object'],
    ['["x", 1.0]', '["x",1]', 'array'],
    ['[12345678901234567890]', '[12345678901234567000]', 'array'],
    ['{"b":[1,{"d":true,"c":null}],"a":"x"}', '{"a":"x","b":[1,{"c":null,"d":true}]}', 'object'],
    ['[-0.0, {"z": -0}]', '[-0,{"z":-0}]', 'array'],
    ['[1e-400]', '[0]', 'array'],
    ['{"__proto__":{"x":1}}', '{"__proto__":{"x":1}}', 'object'],
    ['["\\ud83d\\ude00", "\\ud800", "\\\\ud800"]', '["\u{1F600}","\uFFFD","\\\\ud800"]', 'array'],
    ['[1,2', '"[1,2"', 'string'],
    ['[not json]', '"[not json]"', 'string'],
    ['{bad}', '"{bad}"', 'string'],
    ['[1] [2]', '"[1] [2]"', 'string'],
    ['[1]x]', '"[1]x]"', 'string'],
    [' [1]', '" [1]"', 'string'],
    ['[1] ', '"[1] "', 'string'],
    ['[1,]', '"[1,]"', 'string'],
    ["['a']", '"[\'a\']"', 'string'],
    ['[01]', '"[01]"', 'string'],
    ['[NaN]', '"[NaN]"', 'string'],
    ['[1e400]', '"[1e400]"', 'string'],
    ['{"a":1e999}', '"{\\"a\\":1e999}"', 'string'],
    ['[1}', '"[1}"', 'string'],
    ['{"a":1,}', '"{\\"a\\":1,}"', 'string'],
    ['null', '"null"', 'string'],
    ['"quoted"', '"\\"quoted\\""', 'string'],
    // Step 5: anything else is sent as the original string.
    ['512Mi', '"512Mi"', 'string'],
    ['v1.2', '"v1.2"', 'string'],
    ['1.2.3', '"1.2.3"', 'string'],
    ['-', '"-"', 'string'],
    ['+', '"+"', 'string'],
    ['1e', '"1e"', 'string'],
    ['e3', '"e3"', 'string'],
    ['.', '"."', 'string'],
    ['1e+', '"1e+"', 'string'],
    ['1,000', '"1,000"', 'string'],
    ['\uFF11\uFF12\uFF13', '"\uFF11\uFF12\uFF13"', 'string'],
  ])('%j is sent as %s (%s)', (input, expected, kind) => {
    const value = coerceParameter('v', input);
    expect(kindOf(value)).toBe(kind);
    expect(wire(value)).toBe(`{"v":${expected}}`);
  });

  it.each(['NaN', 'nan', 'Inf', '-inf', '+Infinity', 'infinity'])(
    'rejects %j, which JSON cannot carry, naming the parameter',
    (input) => {
      const error = thrown(() => coerceParameter('replicas', input));
      expect(error).toBeInstanceOf(ConfigurationError);
      const { issues } = error as ConfigurationError;
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toBe('spec.parameters.replicas');
      expect(issues[0]?.message).toContain(`value ${JSON.stringify(input)} is not a finite number`);
      expect(issues[0]?.message).toContain('cannot be sent as extra_vars');
      expect(issues[0]?.message).toContain('pass a finite number');
    },
  );

  it('reads a six-digit exponent the way Go does, which stops adding digits at 10000', () => {
    // Go reads 123456 as 12345, so this is 0.1 where the exact value would overflow.
    expect(coerceParameter('v', `0.${'0'.repeat(12_345)}1e123456`)).toBe(0.1);
  });

  it('keeps JSON up to the 10000 levels Go decodes, and deeper JSON as a string', () => {
    const deepest = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(wire(coerceParameter('v', deepest))).toBe(`{"v":${deepest}}`);
    const tooDeep = `[${deepest}]`;
    expect(coerceParameter('v', tooDeep)).toBe(tooDeep);
  });
});

describe('buildExtraVars', () => {
  it('returns an empty object for no parameters', () => {
    expect(buildExtraVars(undefined)).toEqual({});
    expect(buildExtraVars({})).toEqual({});
    expect(serializeExtraVars(buildExtraVars(undefined))).toBe('{}');
  });

  it('coerces every parameter and sends the keys in code point order, as Go sorts map keys', () => {
    const vars = buildExtraVars({
      zeta: '1',
      alpha: 'true',
      Beta: 'x',
      '\u{1F600}': '[1]',
      '\uFFFF': '2.5',
    });
    expect(vars).toEqual({ zeta: 1, alpha: true, Beta: 'x', '\u{1F600}': [1], '\uFFFF': 2.5 });
    // UTF-16 order would put U+1F600 (a surrogate pair) before U+FFFF.
    expect(serializeExtraVars(vars)).toBe(
      '{"Beta":"x","alpha":true,"zeta":1,"\uFFFF":2.5,"\u{1F600}":[1]}',
    );
  });

  it('sends int64 extremes digit for digit', () => {
    const vars = buildExtraVars({ max: '9223372036854775807', min: '-9223372036854775808' });
    expect(vars).toEqual({ max: 9223372036854775807n, min: -9223372036854775808n });
    expect(serializeExtraVars(vars)).toBe('{"max":9223372036854775807,"min":-9223372036854775808}');
  });

  it('reports every non-finite parameter in one error', () => {
    const error = thrown(() => buildExtraVars({ a: 'NaN', b: '1', c: '-Inf' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual([
      'spec.parameters.a',
      'spec.parameters.c',
    ]);
  });

  it('keeps a parameter named __proto__ as an ordinary key', () => {
    const vars = buildExtraVars(Object.fromEntries([['__proto__', '1']]));
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype);
    expect(Object.keys(vars)).toEqual(['__proto__']);
    expect(serializeExtraVars(vars)).toBe('{"__proto__":1}');
  });
});

describe('serializeExtraVars', () => {
  it('writes negative zero as -0 at any depth', () => {
    expect(serializeExtraVars({ a: [-0, { b: -0 }], c: -0, d: 0 })).toBe(
      '{"a":[-0,{"b":-0}],"c":-0,"d":0}',
    );
  });

  it('formats floats like Go and escapes strings like JSON.stringify', () => {
    expect(
      serializeExtraVars({ big: 1e21, small: 1e-7, plain: 0.1, text: 'say "hi"\n', none: null }),
    ).toBe('{"big":1e+21,"none":null,"plain":0.1,"small":1e-7,"text":"say \\"hi\\"\\n"}');
  });

  it('writes an object shared by two keys twice', () => {
    const shared = { x: 1 };
    expect(serializeExtraVars({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it.each<[string, unknown]>([
    ['NaN', { a: Number.NaN }],
    ['nested Infinity', { a: [1, { b: Number.POSITIVE_INFINITY }] }],
    ['-Infinity', { a: Number.NEGATIVE_INFINITY }],
    ['undefined', { a: undefined }],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what this case sends
    ['a sparse array', { a: [1, , 2] }],
    ['a function', { a: () => 1 }],
  ])('throws a TypeError for %s, which JSON cannot carry', (_label, vars) => {
    expect(() => serializeExtraVars(vars as ExtraVars)).toThrow(TypeError);
  });

  it('throws a TypeError for a cycle', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = [cyclic];
    expect(() => serializeExtraVars(cyclic as ExtraVars)).toThrow(/cycle/);
  });
});
