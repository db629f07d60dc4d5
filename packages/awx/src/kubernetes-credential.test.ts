import { describe, expect, it } from 'vitest';
import { ephemeralCredentialPrefix } from './credential-plan.js';
import { executionIdentity } from './execution-identity.js';
import {
  kubernetesCredentialName,
  planKubernetesCredential,
  tokenExpirationSeconds,
  tokenLifetimeWarning,
  tokenRequest,
} from './kubernetes-credential.js';

const identity = executionIdentity({
  metadata: { namespace: 'team-a', name: 'wfe-1', uid: 'u-1' },
});
const type = { id: 17, name: 'OpenShift or Kubernetes API Bearer Token' };
const runner = { namespace: 'roundhouse-workflows', name: 'runner' };

describe('tokenExpirationSeconds', () => {
  it("asks for the execution's timeout and five minutes, an hour without one", () => {
    expect(tokenExpirationSeconds(30 * 60_000)).toBe(35 * 60);
    expect(tokenExpirationSeconds(1_500)).toBe(600);
    expect(tokenExpirationSeconds(6 * 60_000 + 1)).toBe(6 * 60 + 1 + 300);
    expect(tokenExpirationSeconds(undefined)).toBe(3600);
  });

  it('never asks for less than the API server accepts', () => {
    expect(tokenExpirationSeconds(0)).toBe(600);
    expect(tokenExpirationSeconds(5 * 60_000)).toBe(600);
  });
});

describe('tokenRequest', () => {
  it('is an authentication.k8s.io/v1 TokenRequest with only a lifetime', () => {
    expect(tokenRequest(900)).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 900 },
    });
  });
});

describe('tokenLifetimeWarning', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  const condition = { type: 'TokenTTLInsufficient', reason: 'TokenTTLShortened' };

  it('says nothing when the API server granted what was asked, give or take a minute', () => {
    expect(tokenLifetimeWarning(3600, '2026-01-01T01:00:00Z', at, undefined)).toBeUndefined();
    expect(tokenLifetimeWarning(3600, '2026-01-01T00:59:05Z', at, 55 * 60_000)).toBeUndefined();
  });

  // kubernaut UT-WE-501-008: TokenTTLInsufficient / TokenTTLShortened, "shorter than execution
  // timeout", in ansible.go's words with Go's durations.
  it("warns in kubernaut's words when it granted less than the execution's timeout", () => {
    expect(tokenLifetimeWarning(65 * 60, '2026-01-01T00:10:00Z', at, 60 * 60_000)).toEqual({
      ...condition,
      message:
        'granted token TTL 10m0s is shorter than execution timeout 1h0m0s — playbook may ' +
        'receive 401 errors if it outlives the token',
    });
  });

  // Roundhouse asks for five minutes more than the timeout and warns when granted less than it
  // asked; kubernaut, which asks for the timeout itself, would say nothing here.
  it('warns, under the same condition, when it granted the timeout but not the margin asked', () => {
    expect(tokenLifetimeWarning(35 * 60, '2026-01-01T00:32:00Z', at, 30 * 60_000)).toEqual({
      ...condition,
      message:
        'granted token TTL 32m0s is shorter than the 35m0s requested (execution timeout 30m0s ' +
        'and 5m0s to spare) — playbook may receive 401 errors if it outlives the token',
    });
  });

  it('warns, under the same condition, when an execution without a timeout gets less than an hour', () => {
    expect(tokenLifetimeWarning(3600, '2026-01-01T00:40:00Z', at, undefined)).toEqual({
      ...condition,
      message:
        'granted token TTL 40m0s is shorter than the 1h0m0s requested (no execution timeout) ' +
        '— playbook may receive 401 errors if it outlives the token',
    });
  });
});

describe('planKubernetesCredential', () => {
  // kubernaut UT-WE-552-010: host, bearer_token and ssl_ca_cert (the PEM) in the inputs.
  it('holds the host, the token and the CA, verifying the server', () => {
    const api = { host: 'https://k8s.example:6443', caCertificate: 'PEM', verifySsl: true };
    expect(planKubernetesCredential(api, type, identity, 'roundhouse-', runner, 'tok')).toEqual({
      typeId: 17,
      typeName: 'OpenShift or Kubernetes API Bearer Token',
      credential: {
        name: `roundhouse-ephemeral-${identity.key}--k8s-runner`,
        description:
          'Kubernetes API token of ServiceAccount roundhouse-workflows/runner for ' +
          'WorkflowExecution team-a/wfe-1/u-1; deleted when the execution is cleaned up.',
        inputs: {
          host: 'https://k8s.example:6443',
          bearer_token: 'tok',
          verify_ssl: true,
          ssl_ca_cert: 'PEM',
        },
      },
    });
  });

  // kubernaut UT-WE-552-009 (differs on purpose, see docs/backends/awx.md): kubernaut omits
  // ssl_ca_cert when it has no CA and sends the token unverified; here a CA is required, and
  // ssl_ca_cert is omitted only when verification is turned off.
  it('sends no CA when verification is off', () => {
    const api = { host: 'https://k8s.example', caCertificate: 'PEM', verifySsl: false };
    const plan = planKubernetesCredential(api, type, identity, 'roundhouse-', runner, 'tok');
    expect(plan.credential.inputs).toEqual({
      host: 'https://k8s.example',
      bearer_token: 'tok',
      verify_ssl: false,
    });
  });
});

describe('kubernetesCredentialName', () => {
  it("is under the execution's ephemeral prefix, and no Secret's credential name", () => {
    const name = kubernetesCredentialName('kubernaut-', identity, 'k8s');
    const prefix = ephemeralCredentialPrefix('kubernaut-', identity);
    expect(name.startsWith(prefix)).toBe(true);
    // A Secret's credential is `<prefix><secret>`, and no Secret name starts with "-".
    expect(name.slice(prefix.length)).toBe('-k8s-k8s');
  });
});
