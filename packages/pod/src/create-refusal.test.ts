import { ConfigurationError, QuotaExceededError } from '@roundhouse/core';
import { KubernetesApiError, kubernetesErrorFromResponse } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { PodAdmissionPendingError, podCreateRefusal } from './create-refusal.js';

const refused = (code: number, message: string) =>
  kubernetesErrorFromResponse(
    code,
    { kind: 'Status', code, reason: code === 403 ? 'Forbidden' : 'BadRequest', message },
    'create Pod workflows/wfe-c00449355dfb987a',
  );

const pod = 'pods "wfe-c00449355dfb987a" is forbidden';

describe('podCreateRefusal', () => {
  it.each([
    [
      'a quota the Pod does not satisfy',
      `${pod}: failed quota: compute: must specify limits.cpu for: build; requests.cpu for: build`,
      'spec.workflowRef.resources',
    ],
    [
      "the namespace's pod security profile",
      `${pod}: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "build" must set securityContext.allowPrivilegeEscalation=false)`,
      '',
    ],
    [
      "the namespace's LimitRange",
      `${pod}: maximum cpu usage per Container is 1, but limit is 2`,
      '',
    ],
    [
      'a ServiceAccount that does not exist',
      `${pod}: error looking up service account workflows/deployer: serviceaccount "deployer" not found`,
      '',
    ],
    [
      "a policy webhook's denial",
      'admission webhook "validate.kyverno.svc-fail" denied the request: images must come from registry.example.com',
      '',
    ],
  ])('reads %s as a ConfigurationError that keeps the refusal', (_, message, path) => {
    const error = podCreateRefusal(refused(403, message));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      retryable: false,
      issues: [{ path, message: `the API server refused the Pod: ${message}` }],
      cause: { statusCode: 403 },
    });
  });

  it('retries the refusal of a quota whose usage the quota controller has not counted yet', () => {
    const error = podCreateRefusal(
      refused(403, `${pod}: status unknown for quota: compute, resources: pods`),
    );
    expect(error).toBeInstanceOf(PodAdmissionPendingError);
    expect(error).toMatchObject({ retryable: true, reason: 'AdmissionPending' });
  });

  it('reads a quota with no room left as ResourceExhausted, the namespace full, not the Pod wrong', () => {
    const message = `${pod}: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0`;
    const error = podCreateRefusal(refused(403, message));
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({
      reason: 'ResourceExhausted',
      retryable: false,
      message: `the API server refused the Pod: ${pod}: exceeded quota: no-pods, resources: pods`,
      cause: { statusCode: 403 },
    });
  });

  it("quotes a quota with no room left without the namespace's usage, which other executions' pods make up", () => {
    const error = podCreateRefusal(
      refused(
        403,
        `${pod}: exceeded quota: shared, requested: limits.memory=1Gi,requests.cpu=500m, used: limits.memory=63Gi,requests.cpu=31500m, limited: limits.memory=64Gi,requests.cpu=32`,
      ),
    );
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as Error).message).toBe(
      `the API server refused the Pod: ${pod}: exceeded quota: shared, resources: limits.memory,requests.cpu`,
    );
  });

  it.each([
    [
      'an RBAC denial',
      403,
      'pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "workflows"',
    ],
    ['a webhook that denied with 400', 400, 'admission webhook "w" denied the request: no'],
  ])('leaves %s as the API server answered it', (_, code, message) => {
    const error = refused(code, message);
    expect(podCreateRefusal(error)).toBe(error);
    expect(error).toBeInstanceOf(KubernetesApiError);
  });
});
