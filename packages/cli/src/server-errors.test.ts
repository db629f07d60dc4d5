import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesApiError, kubernetesErrorFromResponse } from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError } from './errors.js';
import { Session } from './session.js';

let session: Session;
beforeAll(async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'cli-server-errors-')), 'config');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: token-7f3a9c}}]',
      'contexts: [{name: dev, context: {cluster: c, user: u, namespace: team-a}}]',
      'current-context: dev',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  session = await Session.open(
    { kubeconfig: path, executionNamespace: 'roundhouse-workflows', conventions: 'roundhouse' },
    {},
  );
});
afterAll(() => session.close());

const create = {
  verb: 'create',
  resource: workflowExecutions,
  namespace: 'team-a',
  name: 'restart-1',
};

async function explained(status: number, body: unknown, access = create) {
  const error = kubernetesErrorFromResponse(
    status,
    body,
    'create WorkflowExecution team-a/restart-1',
  );
  return formatError(await session.explain(error, access));
}

describe("the API server's refusals", () => {
  it('say what to do about a name that is taken', async () => {
    const text = await explained(409, {
      kind: 'Status',
      reason: 'AlreadyExists',
      message: 'workflowexecutions.roundhouse.dev "restart-1" already exists',
      code: 409,
    });
    expect(text).toBe(
      'error: create WorkflowExecution team-a/restart-1: workflowexecutions.roundhouse.dev "restart-1" already exists\n' +
        'fix: a WorkflowExecution named restart-1 already exists in namespace team-a: choose another --name, leave --name out for a unique generated one, or delete the old one first (kubectl roundhouse delete NAME -n team-a)\n',
    );
  });

  it('say to correct the fields an invalid object names, by the status code alone', async () => {
    const text = await explained(422, {
      kind: 'Status',
      reason: 'Invalid',
      message:
        'WorkflowExecution.roundhouse.dev "restart-1" is invalid: spec.targetResource: Invalid value: "x": must be namespace/kind/name',
      details: { causes: [{ field: 'spec.targetResource', reason: 'FieldValueInvalid' }] },
    });
    expect(text).toContain('error: create WorkflowExecution team-a/restart-1: WorkflowExecution');
    expect(text).toContain(
      '\nfix: the API server (its schema or an admission policy) refused the WorkflowExecution: correct each field it names above',
    );
    // A body that is not a Status (a proxy's page) is classified by its code all the same.
    expect(await explained(422, '<html>no</html>')).toMatch(/\nfix: the API server \(its schema/);
  });

  it('say a create into a namespace that does not exist needs the namespace', async () => {
    const text = await explained(404, {
      kind: 'Status',
      reason: 'NotFound',
      message: 'namespaces "team-a" not found',
    });
    expect(text).toBe(
      'error: create WorkflowExecution team-a/restart-1: namespaces "team-a" not found\n' +
        'fix: namespace team-a does not exist: create it (kubectl create namespace team-a) or choose another with -n\n',
    );
  });

  it('say an object too large for the server must shrink, and a busy server to try again', async () => {
    expect(await explained(413, 'request entity too large')).toMatch(
      /\nfix: the WorkflowExecution is larger than the API server takes/,
    );
    const busy = kubernetesErrorFromResponse(429, {}, 'list WorkflowExecution team-a', {
      'retry-after': '7',
    });
    const text = formatError(
      await session.explain(busy, { ...create, verb: 'list', name: undefined }),
    );
    expect(text).toMatch(
      /\nfix: the API server is overloaded or failing: run the command again in 7s;/,
    );
    for (const wait of ['999999999999', '-5', '0']) {
      const odd = kubernetesErrorFromResponse(429, {}, 'list WorkflowExecution team-a', {
        'retry-after': wait,
      });
      expect(
        formatError(await session.explain(odd, { ...create, verb: 'list', name: undefined })),
      ).toMatch(
        /\nfix: the API server is overloaded or failing: run the command again in a moment;/,
      );
    }
  });

  it('tell expired credentials from a missing permission, without the token', async () => {
    const text = await explained(401, {
      kind: 'Status',
      reason: 'Unauthorized',
      message: 'Unauthorized',
    });
    expect(text).toMatch(
      /^error: the API server did not accept your credentials \(to create workflowexecutions\.roundhouse\.dev in namespace team-a\): /,
    );
    expect(text).toMatch(/\nfix: the kubeconfig user's token or client certificate has expired/);
    expect(text).not.toContain('token-7f3a9c');
    expect(text).not.toContain('not allowed');
  });

  it('leave an answer the CLI has no advice for as it is', async () => {
    const odd = new KubernetesApiError('MethodNotAllowed', 'x: method not allowed', 405);
    expect(await session.explain(odd, create)).toBe(odd);
  });
});
