import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import {
  checkEngineConfig,
  parseDependencies,
  parseEngineConfigFlags,
  parseParameters,
} from './flag-values.js';

describe('parseEngineConfigFlags', () => {
  it('splits at the first "=", keeping empty values and keys as written', () => {
    expect(parseEngineConfigFlags(['a=1', 'b=', 'c=x=y', 'd.e=2'])).toEqual({
      a: '1',
      b: '',
      c: 'x=y',
      'd.e': '2',
    });
    expect(parseEngineConfigFlags([])).toEqual({});
  });

  it('refuses values that are not KEY=VALUE and repeated keys, together, each against its flag', () => {
    const error = (() => {
      try {
        parseEngineConfigFlags(['NOPE', '=1', 'a=1', 'a=2', 'a=3', 'b=1']);
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.issues).toEqual([
      { path: '--engine-config', message: '"NOPE" is not KEY=VALUE' },
      { path: '--engine-config', message: '"=1" is not KEY=VALUE' },
      { path: '--engine-config a', message: 'is given twice' },
      { path: '--engine-config a', message: 'is given twice' },
    ]);
    expect(error?.fix).toMatch(/^write each engine setting once, as --engine-config KEY=VALUE/);
  });

  it('refuses a key named __proto__ instead of dropping it or changing a prototype', () => {
    expect(() => parseEngineConfigFlags(['__proto__=x', 'a=1'])).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({
            path: '--engine-config __proto__',
            message: expect.stringContaining('"__proto__" is not allowed'),
          }),
        ],
      }),
    );
    const config = parseEngineConfigFlags(['constructor=x', 'toString=y']);
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(config).toEqual({ constructor: 'x', toString: 'y' });
  });
});

describe('checkEngineConfig', () => {
  it("takes only an engine's own check, and no key of Object.prototype for an engine", () => {
    expect(() => checkEngineConfig('job', {})).not.toThrow();
    expect(() => checkEngineConfig('toString', {})).not.toThrow();
    expect(() =>
      checkEngineConfig('ansible', { jobTemplateName: 'Restart service', playbookPath: 'r.yml' }),
    ).not.toThrow();
  });
});

describe('parseParameters', () => {
  it('splits at the first "=", keeping empty values', () => {
    expect(parseParameters(['A=1', 'B=', 'C=x=y'])).toEqual({ A: '1', B: '', C: 'x=y' });
  });

  it('refuses values that are not KEY=VALUE, repeated keys and invalid names, together', () => {
    expect(() =>
      parseParameters(['NOPE', '=1', 'A=1', 'A=2', '9X=1', 'TARGET_RESOURCE=x']),
    ).toThrow(
      expect.objectContaining({
        issues: [
          { path: '-p', message: '"NOPE" is not KEY=VALUE' },
          { path: '-p', message: '"=1" is not KEY=VALUE' },
          { path: '-p A', message: 'is given twice' },
          expect.objectContaining({ path: '-p 9X' }),
          expect.objectContaining({ path: '-p TARGET_RESOURCE' }),
        ],
      }),
    );
  });

  it('refuses a parameter named __proto__ instead of dropping it', () => {
    expect(() => parseParameters(['__proto__=x', 'A=1'])).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ path: '-p __proto__' })],
      }),
    );
  });
});

describe('parseDependencies', () => {
  it('reads secret/NAME and configmap/NAME and refuses anything else', () => {
    expect(parseDependencies(['secret/a', 'configmap/b', 'secret/c'])).toEqual({
      secrets: [{ name: 'a' }, { name: 'c' }],
      configMaps: [{ name: 'b' }],
    });
    expect(() => parseDependencies(['pod/x', 'secret/a/b', 'secret/A', 'secret/'])).toThrow(
      expect.objectContaining({
        issues: [expect.anything(), expect.anything(), expect.anything(), expect.anything()],
      }),
    );
    expect(() => parseDependencies(['secret/a', 'secret/a'])).toThrowError(/given twice/);
  });
});
