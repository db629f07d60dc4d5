import { describe, expect, it } from 'vitest';
import { requestKind } from './request-kind.js';

describe('requestKind', () => {
  it.each([
    [
      'PATCH',
      '/apis/roundhouse.dev/v1alpha1/namespaces/a/workflowexecutions/wfe-1/status',
      'patch',
      'workflowexecutions/status',
    ],
    ['POST', '/apis/batch/v1/namespaces/b/jobs', 'create', 'jobs'],
    ['DELETE', '/apis/batch/v1/namespaces/b/jobs/wfe-0123', 'delete', 'jobs'],
    ['GET', '/api/v1/namespaces/b/pods/p', 'get', 'pods'],
    ['GET', '/api/v1/namespaces/b/pods?labelSelector=x', 'list', 'pods'],
    ['GET', '/apis/batch/v1/namespaces/b/jobs?watch=false', 'list', 'jobs'],
    ['GET', '/api/v1/namespaces/b', 'get', 'namespaces'],
    ['GET', '/apis/coordination.k8s.io/v1/leases', 'list', 'leases'],
  ])('names %s %s as the audit log does: %s %s', (method, path, verb, resource) => {
    expect(requestKind(method, path)).toEqual({ verb, resource });
  });

  it.each([
    '/apis/batch/v1/namespaces/b/jobs?watch=true&resourceVersion=1',
    '/apis/batch/v1/namespaces/b/jobs?watch=1&labelSelector=a',
    '/apis/batch/v1',
    '/api',
  ])('leaves out a watch or discovery: %s', (path) => {
    expect(requestKind('GET', path)).toBe(undefined);
  });
});
