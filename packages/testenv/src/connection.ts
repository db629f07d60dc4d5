import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './crds.js';
import { kubeConfigFromYaml, kubeConfigYaml } from './kubeconfig.js';
import { issueCertificate } from './pki.js';
import { waitFor } from './poll.js';

/**
 * Everything another process needs to use a running control plane; plain data, so a Vitest
 * global setup can hand it to test workers.
 */
export interface ControlPlaneEndpoint {
  server: string;
  /** Kubeconfig YAML of a `system:masters` user, certificates embedded. */
  adminKubeConfig: string;
  /** The CA that signs client certificates (throwaway, removed when the plane stops). */
  caCertPath: string;
  caKeyPath: string;
  /** Where userKubeConfig() writes the certificates it mints. */
  userCertDir: string;
  /** Whether controller-manager, scheduler and KWOK run, so Jobs really run. */
  workloads: boolean;
  /** Set when real Tekton Pipelines runs beside the control plane. */
  tekton?: TektonEndpoint | undefined;
}

export interface TektonEndpoint {
  /** The Tekton Pipelines release running (controller and bundles resolver). */
  version: string;
  /** `127.0.0.1:<port>` of the local OCI registry Tekton pulls bundles from. */
  registry: string;
}

export interface UserKubeConfigOptions {
  /** Default namespace of the kubeconfig's context. */
  namespace?: string | undefined;
}

/** What a test can do with a control plane, whether it started it or only connects to it. */
export interface ControlPlaneClient {
  readonly endpoint: ControlPlaneEndpoint;
  /** Admin (`system:masters`) access. */
  readonly kubeConfig: KubeConfig;
  /** Creates a namespace named `<prefix>-<random>` and returns its name. */
  createNamespace(prefix?: string): Promise<string>;
  /** Deletes a namespace; with workloads its content goes too. A missing namespace is fine. */
  deleteNamespace(name: string): Promise<void>;
  /** Creates or updates the CRDs in these YAML files and waits until they are Established. */
  installCrds(files: readonly string[]): Promise<void>;
  /**
   * Creates a ResourceQuota and resolves once the quota controller has counted every resource
   * it limits: until then quota admission refuses what the quota covers with "status unknown"
   * rather than as exceeded, or lets a custom resource it cannot count yet through, so a test
   * of an exhausted quota would see something else.
   */
  createEnforcedQuota(
    namespace: string,
    name: string,
    hard: Readonly<Record<string, string>>,
  ): Promise<void>;
  /**
   * A kubeconfig for a non-admin identity: a fresh client certificate with CN=`name` and one
   * O per group. RBAC decides what it may do; it starts with no permissions at all.
   */
  userKubeConfig(
    name: string,
    groups?: readonly string[],
    options?: UserKubeConfigOptions,
  ): Promise<KubeConfig>;
}

/** A valid namespace name (RFC 1123 label) from a free-form prefix and a random suffix. */
export function namespaceName(prefix: string, suffix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  return `${clean || 'test'}-${suffix}`;
}

export function connectControlPlane(endpoint: ControlPlaneEndpoint): ControlPlaneClient {
  const kubeConfig = kubeConfigFromYaml(endpoint.adminKubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    endpoint,
    kubeConfig,
    async createNamespace(prefix = 'test') {
      const name = namespaceName(prefix, randomBytes(3).toString('hex'));
      await core.createNamespace({
        body: { metadata: { name, labels: { 'roundhouse.dev/testenv': 'true' } } },
      });
      return name;
    },
    async deleteNamespace(name) {
      try {
        await core.deleteNamespace({ name, propagationPolicy: 'Background' });
      } catch (error) {
        if (!(error instanceof ApiException) || error.code !== 404) throw error;
      }
    },
    installCrds: (files) => installCrds(kubeConfig, files),
    async createEnforcedQuota(namespace, name, hard) {
      const counted = async () => {
        const quota = await core.readNamespacedResourceQuota({ namespace, name });
        return Object.keys(hard).every((key) => quota.status?.used?.[key] !== undefined);
      };
      // The quota controller counts a custom resource's kind only once its discovery has seen
      // it (every 30 s), and a quota it evaluated before that waits for a full resync (5
      // minutes): a quota not counted soon is made again.
      for (let attempt = 1; ; attempt++) {
        await core.createNamespacedResourceQuota({
          namespace,
          body: { metadata: { name }, spec: { hard: { ...hard } } },
        });
        try {
          await waitFor(`ResourceQuota ${namespace}/${name} to be counted`, counted, {
            timeoutMs: 15_000,
          });
          return;
        } catch (error) {
          if (attempt === 5) throw error;
        }
        await core.deleteNamespacedResourceQuota({ namespace, name });
        await waitFor(
          `ResourceQuota ${namespace}/${name} to be gone`,
          () =>
            core.readNamespacedResourceQuota({ namespace, name }).then(
              () => false,
              (error: unknown) => error instanceof ApiException && error.code === 404,
            ),
          { timeoutMs: 30_000 },
        );
      }
    },
    async userKubeConfig(name, groups = [], options = {}) {
      await mkdir(endpoint.userCertDir, { recursive: true });
      const dir = await mkdtemp(join(endpoint.userCertDir, 'user-'));
      const files = await issueCertificate(
        { certPath: endpoint.caCertPath, keyPath: endpoint.caKeyPath },
        dir,
        'client',
        { commonName: name, organizations: groups, usage: 'clientAuth' },
      );
      const [caPem, certPem, keyPem] = await Promise.all([
        readFile(endpoint.caCertPath, 'utf8'),
        readFile(files.certPath, 'utf8'),
        readFile(files.keyPath, 'utf8'),
      ]);
      return kubeConfigFromYaml(
        kubeConfigYaml({
          server: endpoint.server,
          caPem,
          certPem,
          keyPem,
          user: name,
          namespace: options.namespace,
        }),
      );
    },
  };
}
