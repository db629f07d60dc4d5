import { describe, expect, it } from 'vitest';
import { requestKind } from './request-kind.js';

describe('requestKind', () => {
  it('names a custom resource status patch as the audit log does', () => {
    expect(
      requestKind(
        'PATCH',
        '/apis/roundhouse.dev/v1alpha1/namespaces/a/workflowexecutions/wfe-1/status',
      ),
    ).toEqual({ verb: 'patch', resource: 'workflowexecutions/status' });
  });

  it('tells a create, a delete, a get and a list apart', () => {
    expect(requestKind('POST', '/apis/batch/v1/namespaces/b/jobs')).toEqual({
      verb: 'create',
      resource: 'jobs',
    });
    expect(requestKind('DELETE', '/apis/batch/v1/namespaces/b/jobs/wfe-0123')).toEqual({
      verb: 'delete',
      resource: 'jobs',
    });
    expect(requestKind('GET', '/api/v1/namespaces/b/pods/p')).toEqual({
      verb: 'get',
      resource: 'pods',
    });
    expect(requestKind('GET', '/api/v1/namespaces/b/pods?labelSelector=x')).toEqual({
      verb: 'list',
      resource: 'pods',
    });
  });

  it('reads a cluster-scoped resource and a namespace itself', () => {
    expect(requestKind('GET', '/api/v1/namespaces/b')).toEqual({
      verb: 'get',
      resource: 'namespaces',
    });
    expect(requestKind('GET', '/apis/coordination.k8s.io/v1/leases')).toEqual({
      verb: 'list',
      resource: 'leases',
    });
  });

  it('leaves out watches and discovery', () => {
    expect(
      requestKind('GET', '/apis/batch/v1/namespaces/b/jobs?watch=true&resourceVersion=1'),
    ).toBe(undefined);
    expect(requestKind('GET', '/apis/batch/v1/namespaces/b/jobs?watch=1&labelSelector=a')).toBe(
      undefined,
    );
    expect(requestKind('GET', '/apis/batch/v1/namespaces/b/jobs?watch=false')).toEqual({
      verb: 'list',
      resource: 'jobs',
    });
    expect(requestKind('GET', '/apis/batch/v1')).toBe(undefined);
    expect(requestKind('GET', '/api')).toBe(undefined);
  });
});
