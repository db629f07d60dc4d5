import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { dependencyNames } from './dependencies.js';

describe('dependencyNames', () => {
  it('keeps declaration order', () => {
    expect(
      dependencyNames({ secrets: [{ name: 'b' }, { name: 'a' }], configMaps: [{ name: 'c.d' }] }),
    ).toEqual({ secrets: ['b', 'a'], configMaps: ['c.d'] });
    expect(dependencyNames(undefined)).toEqual({ secrets: [], configMaps: [] });
  });

  it('names invalid and repeated names', () => {
    let error: unknown;
    try {
      dependencyNames({
        secrets: [{ name: 'a' }, { name: 'a' }],
        configMaps: [{ name: 'Bad_Name' }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'dependencies.secrets[1].name',
      'dependencies.configMaps[0].name',
    ]);
  });
});
