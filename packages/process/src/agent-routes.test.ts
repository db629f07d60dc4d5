import { describe, expect, it } from 'vitest';
import { requestTarget, route } from './agent-routes.js';

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

describe('the request target', () => {
  it.each([
    ['/tasks/t1/logs?stream=stderr&limitBytes=10', '/tasks/t1/logs', 'stream=stderr&limitBytes=10'],
    ['/tasks/t1?uid=a%2Fb', '/tasks/t1', 'uid=a%2Fb'],
    ['//x:99999', '//x:99999', ''],
    ['//[?%', '//[', '%25='],
    ['http://agent:5758/getTasks?x=1', '/getTasks', 'x=1'],
  ])('%s is the path %s and the query %s', (target, path, query) => {
    const parsed = requestTarget(target);
    expect(parsed?.path).toBe(path);
    expect(parsed?.query.toString()).toBe(query);
  });

  it.each(['*', 'tasks', 'http://[bad/health', 'ftp://agent/health'])('%s is no target', (target) =>
    expect(requestTarget(target)).toBeUndefined(),
  );
});
