import {
  ConfigurationError,
  noopLogger,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { executionIdentity } from './execution-identity.js';
import { KubernetesApiAccess, TokenRequestUnansweredError } from './kubernetes-api-access.js';
import type { CredentialType } from './schemas.js';

const bearerType: CredentialType = {
  id: 17,
  name: 'OpenShift or Kubernetes API Bearer Token',
  kind: 'kubernetes',
  managed: true,
  namespace: 'kubernetes_bearer_token',
  inputs: { fields: [], required: [] },
  injectors: {},
};

const now = Date.parse('2026-01-01T00:00:00Z');

function wfe(serviceAccountName?: string): WorkflowExecution {
  return {
    metadata: { namespace: 'team-a', name: 'wfe-1', uid: 'u-1' },
    spec: {
      workflowRef: {
        workflowId: 'w',
        version: '1',
        executionBundle: 'registry.example/w:1',
        ...(serviceAccountName ? { serviceAccountName } : {}),
      },
      targetResource: 'team-a/deployment/app',
      executionEngine: 'ansible',
    },
  } as WorkflowExecution;
}

function access(answer: () => Promise<unknown>, type: CredentialType | null = bearerType) {
  const calls: unknown[][] = [];
  const lookups: string[] = [];
  const kube = {
    create: async (...args: unknown[]) => {
      calls.push(args);
      return { object: await answer(), warnings: [] };
    },
  };
  const awx = {
    findManagedCredentialType: async (namespace: string, kind: string) => {
      lookups.push(`${kind}/${namespace}`);
      return type;
    },
  };
  const settings = {
    kubernetesApi: { host: 'https://k8s.example', caCertificate: 'PEM', verifySsl: true },
    namePrefix: 'roundhouse-',
    conventions: roundhouseConventions,
    cacheTtlMs: 60_000,
    now: () => now,
  };
  return {
    calls,
    lookups,
    // biome-ignore lint/suspicious/noExplicitAny: a fake of the one method used.
    access: new KubernetesApiAccess(awx, kube as any, settings, noopLogger),
  };
}

const granted = (seconds: number) => async () => ({
  status: { token: 'tk-7f3a9', expirationTimestamp: new Date(now + seconds * 1000).toISOString() },
});
const identity = executionIdentity(wfe());

describe('KubernetesApiAccess', () => {
  // kubernaut UT-WE-501-005 (differs on purpose, see docs/backends/awx.md): an execution naming
  // no ServiceAccount gets the default runner's token, never the controller's own as kubernaut
  // gives. UT-WE-552-004, UT-WE-552-005: AWX's managed bearer-token type is used, looked up by
  // its kind and namespace, and no type of the engine's own is looked up or created.
  it("requests a token of the default runner in the execution namespace, and remembers AWX's type", async () => {
    const { access: api, calls, lookups } = access(granted(3600));
    const { plan, warnings } = await api.plan(wfe(), 'workflows', identity, undefined, undefined);
    expect(warnings).toEqual([]);
    expect(plan.typeId).toBe(17);
    expect(plan.credential.inputs.bearer_token).toBe('tk-7f3a9');
    expect(calls[0]?.slice(1, 3)).toEqual([
      'workflows',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    ]);
    expect(calls[0]?.[3]).toMatchObject({
      subresource: { name: 'roundhouse-workflow-runner', subresource: 'token' },
    });
    await api.plan(wfe('restarter'), 'workflows', identity, undefined, undefined);
    expect(calls[1]?.[3]).toMatchObject({ subresource: { name: 'restarter' } });
    expect(lookups).toEqual(['kubernetes/kubernetes_bearer_token']);
  });

  it('warns when the API server granted a shorter lifetime than asked', async () => {
    const { access: api } = access(granted(600));
    const { warnings } = await api.plan(wfe(), 'workflows', identity, 30 * 60_000, undefined);
    expect(warnings).toEqual([
      {
        type: 'TokenTTLInsufficient',
        reason: 'TokenTTLShortened',
        message: expect.stringMatching(
          /^granted token TTL 10m0s is shorter than execution timeout 30m0s /,
        ),
      },
    ]);
    expect(JSON.stringify(warnings)).not.toContain('tk-7f3a9');
  });

  it('names the field or the option when the ServiceAccount does not exist', async () => {
    const notFound = async () => {
      throw new KubernetesApiError('NotFound', 'serviceaccounts "x" not found', 404);
    };
    const named = await access(notFound)
      .access.plan(wfe('restarter'), 'workflows', identity, undefined, undefined)
      .catch((e: unknown) => e);
    expect(named).toBeInstanceOf(ConfigurationError);
    expect((named as ConfigurationError).issues[0]?.path).toBe(
      'spec.workflowRef.serviceAccountName',
    );
    // kubernaut's error names the TokenRequest and the ServiceAccount (UT-WE-501-006).
    expect((named as ConfigurationError).message).toMatch(/TokenRequest/);
    expect((named as ConfigurationError).message).toContain('workflows/restarter');
    const runner = await access(notFound)
      .access.plan(wfe(), 'workflows', identity, undefined, undefined)
      .catch((e: unknown) => e);
    expect((runner as ConfigurationError).issues[0]?.path).toBe('ansible.kubernetesApi');
  });

  it('passes a refusal on as the API server classified it', async () => {
    const forbidden = new KubernetesApiError(
      'Forbidden',
      'cannot create serviceaccounts/token',
      403,
    );
    const error = await access(async () => {
      throw forbidden;
    })
      .access.plan(wfe(), 'workflows', identity, undefined, undefined)
      .catch((e: unknown) => e);
    expect(error).toBe(forbidden);
    expect(error).toMatchObject({ reason: 'Forbidden', retryable: false });
  });

  it('refuses an answer without a token, without repeating it', async () => {
    const error = await access(async () => ({ status: { token: '', expirationTimestamp: 'soon' } }))
      .access.plan(wfe(), 'workflows', identity, undefined, undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestUnansweredError);
    expect(String(error)).not.toContain('soon');
  });

  it('asks the API server nothing when AWX lacks the type, and looks again next time', async () => {
    const { access: api, calls, lookups } = access(granted(3600), null);
    for (let i = 0; i < 2; i += 1) {
      const error = await api
        .plan(wfe(), 'workflows', identity, undefined, undefined)
        .catch((e: unknown) => e);
      expect((error as ConfigurationError).issues[0]?.path).toBe('ansible.kubernetesApi');
    }
    expect(calls).toEqual([]);
    expect(lookups).toHaveLength(2);
  });
});
