import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { baseEnvironment, taskEnvironment } from './task-environment.js';

describe('the environment Local tasks start from', () => {
  const minimal = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/controller',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    TMPDIR: '/tmp',
  };
  const host = {
    ...minimal,
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    AWX_TOKEN: 'secret',
    AWS_REGION: 'eu-west-1',
  };

  it("takes only the host's minimal variables by default", () => {
    expect(baseEnvironment(host, {})).toEqual(minimal);
  });

  it('adds the variables the operator names, or all of them', () => {
    expect(baseEnvironment(host, { passEnvironment: ['AWS_REGION', 'ABSENT'] })).toEqual({
      ...minimal,
      AWS_REGION: 'eu-west-1',
    });
    expect(baseEnvironment(host, { passEnvironment: 'all' })).toEqual(host);
  });

  it('takes an explicit environment as it is, and refuses it with passEnvironment', () => {
    expect(baseEnvironment(host, { environment: { NODE_NAME: 'n1' } })).toEqual({
      NODE_NAME: 'n1',
    });
    const both = () => baseEnvironment(host, { environment: {}, passEnvironment: ['AWS_REGION'] });
    expect(both).toThrow(ConfigurationError);
    expect(both).toThrow(/^passEnvironment: cannot be combined with environment/);
  });
});

describe('a task environment', () => {
  it('puts the task variables over the base, later ones winning', () => {
    expect(
      taskEnvironment(
        [
          ['PATH', '/bin'],
          ['HOME', '/root'],
          ['GONE', undefined],
        ],
        [
          { name: 'HOME', value: '/tmp' },
          { name: 'EMPTY' },
          { name: 'X', value: '1' },
          { name: 'X', value: '2' },
        ],
      ),
    ).toEqual({ PATH: '/bin', HOME: '/tmp', EMPTY: '', X: '2' });
  });

  it('keeps a variable named __proto__, as a process environment may have one', () => {
    const env = taskEnvironment([], [{ name: '__proto__', value: 'x' }]);
    expect(Object.keys(env)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(env, '__proto__')?.value).toBe('x');
  });
});
