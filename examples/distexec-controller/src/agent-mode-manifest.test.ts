import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  roleRef?: { kind: string; name: string };
  rules?: { resources: string[] }[];
  spec?: { template?: { spec?: PodSpec } };
}

interface PodSpec {
  automountServiceAccountToken?: boolean;
  tolerations?: unknown[];
  containers: { args?: string[] }[];
  volumes?: {
    projected?: { sources: { serviceAccountToken?: { expirationSeconds: number } }[] };
  }[];
}

const deploy = new URL('../deploy/', import.meta.url);
const read = (file: URL) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJSON() as Manifest);
const filesIn = (dir: URL) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => new URL(name, dir));

describe('deploy/', () => {
  it('installs Job mode by default: `kubectl apply -f deploy/` creates no agent DaemonSet', () => {
    const manifests = filesIn(deploy).flatMap(read);
    expect(manifests.filter((m) => m.kind === 'DaemonSet')).toEqual([]);
    expect(manifests.filter((m) => m.kind === 'Deployment').map((m) => m.metadata.name)).toEqual([
      'distexec-jobs',
    ]);
  });
});

describe('deploy/agent-mode/', () => {
  const manifests = filesIn(new URL('agent-mode/', deploy)).flatMap(read);
  const daemonSet = manifests.find((m) => m.kind === 'DaemonSet');
  const pod = daemonSet?.spec?.template?.spec as PodSpec;
  const namespace = daemonSet?.metadata.namespace;

  it("watches only the agents' own namespace, where alone their DistExec rights are bound", () => {
    expect(pod.containers[0]?.args).toContain(`--watch-namespace=${namespace}`);
    const distExecRoles = manifests
      .filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')
      .filter((m) => m.rules?.some((r) => r.resources.some((x) => x.startsWith('distexecs'))))
      .map((m) => m.metadata.name);
    const bindings = manifests.filter(
      (m) => m.kind.endsWith('Binding') && distExecRoles.includes(m.roleRef?.name ?? ''),
    );
    expect(bindings.map((b) => [b.kind, b.metadata.namespace])).toEqual([
      ['RoleBinding', namespace],
    ]);
  });

  it('puts no agent on a tainted node unless the operator adds its toleration', () => {
    expect(pod.tolerations ?? []).toEqual([]);
  });

  it('holds a token that expires within minutes, not the automounted one', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    const tokens = (pod.volumes ?? []).flatMap((v) =>
      (v.projected?.sources ?? []).flatMap((s) =>
        s.serviceAccountToken ? [s.serviceAccountToken] : [],
      ),
    );
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.expirationSeconds).toBeLessThanOrEqual(600);
  });
});
