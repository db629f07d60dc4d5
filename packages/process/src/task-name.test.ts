import { describe, expect, it } from 'vitest';
import { maxTaskNameLength, taskNameProblem } from './task-name.js';

describe('task names', () => {
  it.each(['t1', 'wfe-c00449355dfb987a', 'bsbx.0_a-b', 'A', 'x'.repeat(maxTaskNameLength)])(
    'accepts %s',
    (name) => expect(taskNameProblem(name)).toBeUndefined(),
  );

  it.each([
    ['../x', 'a parent reference'],
    ['..', 'the parent directory'],
    ['.', 'the directory itself'],
    ['.hidden', 'a leading dot'],
    ['a/b', 'a path separator'],
    ['a\\b', 'a backslash'],
    ['/etc', 'an absolute path'],
    ['', 'an empty name'],
    ['a\0b', 'a NUL'],
    ['x'.repeat(maxTaskNameLength + 1), 'a name over the length limit'],
    ['a b', 'a space'],
  ])('refuses %j (%s)', (name) => expect(taskNameProblem(name)).toBeDefined());

  it('refuses what is not a string', () => {
    expect(taskNameProblem(7)).toBe('must be a string');
    expect(taskNameProblem(undefined)).toBe('must be a string');
  });
});
