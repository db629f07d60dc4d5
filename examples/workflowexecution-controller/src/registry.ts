import { readFileSync } from 'node:fs';
import type { AwxClient } from '@roundhouse/awx';
import { ConfigurationError, type Conventions, type Logger, Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { type KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { awxOperationTimeoutMs, type Config, launchCommitWindowMs } from './config.js';

/** Reads the AWX token from `namespace/name[:key]`; the value never reaches a log or an error. */
async function readToken(client: KubeClient, reference: string): Promise<string> {
  const [location = '', key = 'token'] = reference.split(':');
  const [namespace, name] = location.split('/') as [string, string];
  const secret = await client.get<KubeObject & { data?: Record<string, string> | undefined }>(
    resources.secrets,
    namespace,
    name,
  );
  const encoded = secret?.data?.[key];
  if (!encoded) {
    throw new ConfigurationError({
      path: '--awx-token-secret',
      message: `Secret ${namespace}/${name} has no key "${key}"; create it or name another key`,
    });
  }
  return Buffer.from(encoded, 'base64').toString('utf8').trim();
}

/**
 * The executor creates its ephemeral credentials in an organization it knows by id; operators
 * know it by name, so `--awx-organization` is looked up once at start, and an unknown name
 * stops the start. Without the flag the executor uses id 1, AWX's Default organization.
 */
async function organizationOption(
  awx: AwxClient,
  name: string | undefined,
): Promise<{ organizationId?: number | undefined }> {
  if (!name) return {};
  const organization = await awx.findOrganization(name);
  return { organizationId: organization.id };
}

/**
 * The executors the configuration enables, sharing one Kubernetes client. The tekton, ansible
 * and pod engines are imported only when enabled: a job-only controller saves about 6 MiB.
 */
export async function buildRegistry(
  config: Config,
  shared: {
    readonly client: KubeClient;
    /** Where executors read status; the controller's cache. */
    readonly reader: Reader;
    readonly conventions: Conventions;
    readonly logger: Logger;
  },
): Promise<{ registry: Registry; close(): Promise<void> }> {
  const { client, reader, conventions, logger } = shared;
  const registry = new Registry();
  const closers: (() => Promise<void>)[] = [];
  if (config.engines.includes('job'))
    registry.register(
      new JobExecutor(client, {
        conventions,
        reader,
        logger,
        // The Job carries the controller's default deadline (ended by spec.timesOutAt when that
        // comes first, as the controller's is), so the cluster ends it even while no controller
        // runs.
        defaultTimeout: config.defaultTimeout,
        ...(config.jobResourceLimits ? { resources: { limits: config.jobResourceLimits } } : {}),
      }),
    );
  if (config.engines.includes('tekton')) {
    const { TektonExecutor } = await import('@roundhouse/tekton');
    registry.register(
      new TektonExecutor(client, {
        conventions,
        reader,
        logger,
        // As the Job's: Tekton ends a run without a timeout by the controller's default
        // deadline, or spec.timesOutAt when that comes first, not by its own 60 minutes.
        defaultTimeout: config.defaultTimeout,
      }),
    );
  }
  if (config.engines.includes('pod')) {
    const { PodExecutor } = await import('@roundhouse/pod');
    if (config.allowedImages.length === 0)
      logger.warn({}, 'pod engine: no --allowed-images, so every pod execution fails Forbidden');
    registry.register(
      new PodExecutor(client, {
        conventions,
        reader,
        logger,
        // The steps name their images, which the policy's check of the bundle never sees: the
        // engine checks them itself, with the digest rule the policy applies to bundles.
        allowedImages: config.allowedImages,
        requireDigest: config.requireDigest,
        // As the Job's: the Pod's activeDeadlineSeconds, so the kubelet ends it even while no
        // controller runs.
        defaultTimeout: config.defaultTimeout,
        ...(config.podResourceLimits ? { resources: { limits: config.podResourceLimits } } : {}),
        // Off by default: the steps are the author's own scripts, so a mounted Secret or token
        // is every author's to read, whatever the dependency opt-in or the policy allowed.
        mountDependencies: config.podMountDependencies,
        ...(config.podServiceAccountToken ? { pod: { automountServiceAccountToken: true } } : {}),
      }),
    );
  }
  if (config.engines.includes('ansible')) {
    const { AnsibleExecutor, AwxClient } = await import('@roundhouse/awx');
    if (config.awxAllowedJobTemplates.length === 0)
      logger.warn(
        {},
        'ansible engine: no --awx-allowed-job-templates, so every ansible execution fails Forbidden',
      );
    const awx = new AwxClient({
      baseUrl: config.awxUrl as string,
      token: await readToken(client, config.awxTokenSecret as string),
      // A token rotated in its Secret is read again when AWX refuses the one in use.
      renewToken: () => readToken(client, config.awxTokenSecret as string),
      apiPrefix: config.awxApiPrefix,
      insecureSkipTlsVerify: config.awxInsecureSkipTlsVerify,
      ...(config.awxCaFile ? { caBundle: readFileSync(config.awxCaFile, 'utf8') } : {}),
      logger,
    });
    try {
      registry.register(
        new AnsibleExecutor(awx, client, {
          conventions,
          logger,
          launchCommitWindowMs: launchCommitWindowMs(config),
          operationTimeoutMs: awxOperationTimeoutMs(config),
          // Every template runs as the controller's AWX user, whatever the author may do in AWX:
          // none is launched until the operator lists it, as no bundle runs until listed.
          allowedJobTemplates: config.awxAllowedJobTemplates,
          // Off unless asked for: the output may print what the template's own credentials hold,
          // and the status and Event reach every reader of the execution, not only AWX's.
          stdoutTailBytes: config.awxStdoutTailBytes,
          ...(await organizationOption(awx, config.awxOrganization)),
          ...(config.awxKubernetesApi
            ? {
                kubernetesApi: {
                  host: config.awxKubernetesApi,
                  caCertificate: readFileSync(config.awxKubernetesCaFile as string, 'utf8'),
                },
              }
            : {}),
        }),
      );
    } catch (error) {
      await awx.close();
      throw error;
    }
    closers.push(() => awx.close());
  }
  return { registry, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
