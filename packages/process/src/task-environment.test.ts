import { describe, expect, it } from 'vitest';
import { taskEnvironment } from './task-environment.js';

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
