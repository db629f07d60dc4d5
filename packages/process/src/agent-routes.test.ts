import { describe, expect, it } from 'vitest';
import { route } from './agent-routes.js';

describe('routing', () => {
  it.each([
    ['GET', '/health', { kind: 'health' }],
    ['POST', '/tasks', { kind: 'createTask' }],
    ['GET', '/tasks/t1', { kind: 'getTask', name: 't1' }],
    ['DELETE', '/tasks/t1', { kind: 'deleteTask', name: 't1' }],
    ['GET', '/tasks/t1/logs', { kind: 'taskLogs', name: 't1' }],
    ['POST', '/setTasks', { kind: 'setTasks' }],
    ['GET', '/getTasks', { kind: 'getTasks' }],
    ['GET', '/tasks/..%2Fx', { kind: 'getTask', name: '../x' }],
    ['GET', '/tasks/%E0%A4%A', { kind: 'notFound' }],
    ['GET', '/tasks/', { kind: 'notFound' }],
    ['GET', '/tasks/a/b', { kind: 'notFound' }],
    ['GET', '/tasks/a/logs/x', { kind: 'notFound' }],
    ['GET', '/nowhere', { kind: 'notFound' }],
    ['PUT', '/tasks/t1', { kind: 'methodNotAllowed', allow: ['GET', 'DELETE'] }],
    ['GET', '/tasks', { kind: 'methodNotAllowed', allow: ['POST'] }],
    ['POST', '/health', { kind: 'methodNotAllowed', allow: ['GET'] }],
  ])('%s %s', (method, path, expected) => expect(route(method, path)).toEqual(expected));
});
