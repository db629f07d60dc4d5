import { readFileSync } from 'node:fs';
import { roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { JobModeConfigSchema, jobModeDefaults, leaderElectionOf, loadConfig } from '../config.js';

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  automountServiceAccountToken?: boolean;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
  spec?: {
    template?: { spec?: { containers?: { args?: string[] }[] } };
    podSelector?: Record<string, unknown>;
    policyTypes?: string[];
    ingress?: unknown[];
  };
}

const manifests = parseAllDocuments(
  readFileSync(new URL('../../deploy/job-mode.yaml', import.meta.url), 'utf8'),
).map((doc) => doc.toJSON() as Manifest);

describe('deploy/job-mode.yaml', () => {
  const args = manifests
    .filter((m) => m.kind === 'Deployment')
    .flatMap((m) => m.spec?.template?.spec?.containers ?? [])
    .flatMap((c) => c.args ?? []);

  it('starts the controller with resource limits for every node Job, and no tolerations', () => {
    const config = loadConfig(JobModeConfigSchema, jobModeDefaults, args, {});
    expect(config.jobResourceLimits).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(config.jobTolerations).toEqual([]);
  });

  it('creates the ServiceAccount node Jobs run as, in the execution namespace, without a token', () => {
    const namespace = args
      .find((a) => a.startsWith('--execution-namespace='))
      ?.slice('--execution-namespace='.length);
    expect(namespace).toBe('roundhouse-distexec-jobs');
    // The API server's ServiceAccount admission refuses a pod whose ServiceAccount is missing,
    // so without it no node Job ever gets a pod.
    const runner = manifests.find(
      (m) =>
        m.kind === 'ServiceAccount' &&
        m.metadata.namespace === namespace &&
        m.metadata.name === roundhouseConventions.defaultServiceAccountName,
    );
    expect(runner).toBeDefined();
    // Commands are the DistExec author's: they get no API credentials.
    expect(runner?.automountServiceAccountToken).toBe(false);
  });

  it("has the API server refuse a privileged node Job's pod, and lets nothing connect to one", () => {
    // The namespace every author's commands share: no privilege whatever builds the pod, and
    // no author's command reaches another's.
    const execution = manifests.find(
      (m) => m.kind === 'Namespace' && m.metadata.name === 'roundhouse-distexec-jobs',
    );
    expect(execution?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const policies = manifests.filter(
      (m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === 'roundhouse-distexec-jobs',
    );
    expect(policies).toEqual([
      expect.objectContaining({
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      }),
    ]);
  });

  it("elects a leader, and grants the controller's ServiceAccount the elector's rights on Leases where the Lease is", () => {
    const config = loadConfig(JobModeConfigSchema, jobModeDefaults, args, {});
    const lease = leaderElectionOf(config);
    expect(lease).toBeDefined();
    const bound = manifests
      .filter(
        (m) =>
          m.kind === 'RoleBinding' &&
          m.metadata.namespace === lease?.namespace &&
          m.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === 'distexec-jobs'),
      )
      .map((binding) =>
        manifests.find(
          (m) =>
            m.kind === 'Role' &&
            m.metadata.namespace === lease?.namespace &&
            m.metadata.name === binding.roleRef?.name,
        ),
      );
    const verbs = bound
      .flatMap((role) => role?.rules ?? [])
      .filter((r) => r.apiGroups.includes('coordination.k8s.io') && r.resources.includes('leases'))
      .flatMap((r) => r.verbs);
    expect(verbs).toEqual(expect.arrayContaining(['get', 'create', 'update']));
  });
});
