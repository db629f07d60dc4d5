import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors.js';
import { configurationIssuesOf } from './configuration-issues.js';

describe('configurationIssuesOf', () => {
  it('returns the issues of a ConfigurationError', () => {
    const issues = configurationIssuesOf(() => {
      throw new ConfigurationError({ path: 'spec.timeout', message: 'must be positive' });
    });
    expect(issues).toEqual([{ path: 'spec.timeout', message: 'must be positive' }]);
  });

  it('returns no issues when the input is accepted', () => {
    expect(configurationIssuesOf(() => 'fine')).toEqual([]);
  });

  it('rethrows any other error', () => {
    expect(() =>
      configurationIssuesOf(() => {
        throw new TypeError('boom');
      }),
    ).toThrow(TypeError);
  });
});
