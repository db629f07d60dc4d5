import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { parseClientOptions } from './awx-client-options.js';

describe('parseClientOptions', () => {
  it('names every bad option without echoing the token', () => {
    const error = (() => {
      try {
        return parseClientOptions({ baseUrl: 'ftp://awx', token: 'has space', apiPrefix: 'api' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'awx.baseUrl',
      'awx.token',
      'awx.apiPrefix',
    ]);
    expect(String(error)).not.toContain('has space');
  });

  it('fills in the defaults', () => {
    expect(parseClientOptions({ baseUrl: 'https://awx.test', token: 'tok' })).toMatchObject({
      apiPrefix: '/api/v2/',
      timeoutMs: 30_000,
      retries: 4,
      insecureSkipTlsVerify: false,
    });
  });
});
