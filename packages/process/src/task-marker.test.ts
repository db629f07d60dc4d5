import { describe, expect, it } from 'vitest';
import { markedEnvironment, taskMarkerVariable } from './task-marker.js';

describe('markedEnvironment', () => {
  it("marks the task with its uid over a variable of that name it asked for, so it cannot pass for another task's", () => {
    const env = markedEnvironment({ PATH: '/bin', [taskMarkerVariable]: 'another-task' }, 'uid-1');
    expect(env).toEqual({ PATH: '/bin', [taskMarkerVariable]: 'uid-1' });
  });
});
