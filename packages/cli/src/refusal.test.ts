import { describe, expect, it } from 'vitest';
import { refusalOf } from './refusal.js';

describe('refusalOf', () => {
  it("reads the verb, resource and namespace of an RBAC refusal, in kubectl create role's spelling", () => {
    expect(
      refusalOf(
        'list Pod exec: pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "exec"',
      ),
    ).toEqual({ verb: 'list', resource: 'pods', namespace: 'exec' });
    expect(
      refusalOf(
        'jobs.batch "wfe-1" is forbidden: User "dev" cannot get resource "jobs" in API group "batch" in the namespace "exec"',
      ),
    ).toEqual({ verb: 'get', resource: 'jobs.batch', namespace: 'exec' });
    expect(
      refusalOf(
        'pods "p" is forbidden: User "dev" cannot get resource "pods/log" in API group "" in the namespace "exec"',
      ),
    ).toEqual({ verb: 'get', resource: 'pods/log', namespace: 'exec' });
    expect(
      refusalOf(
        'workflowexecutions.roundhouse.dev is forbidden: User "dev" cannot watch resource "workflowexecutions" in API group "roundhouse.dev" at the cluster scope',
      ),
    ).toEqual({
      verb: 'watch',
      resource: 'workflowexecutions.roundhouse.dev',
      namespace: undefined,
    });
  });

  it('reads nothing from a refusal in another shape', () => {
    expect(refusalOf('Unauthorized')).toBeUndefined();
    expect(refusalOf('denied by the webhook authorizer')).toBeUndefined();
  });
});
