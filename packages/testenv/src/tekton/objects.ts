import type { V1ConfigMap, V1CustomResourceDefinition } from '@kubernetes/client-node';

/** The namespaces Tekton's release runs its controller and its resolvers in. */
export const tektonNamespaces = {
  controller: 'tekton-pipelines',
  resolvers: 'tekton-pipelines-resolvers',
} as const;

/** Logged by our mains (scripts/tekton/run) once informers are synced and controllers start. */
export const tektonReadyLine = 'roundhouse: controllers started';

/**
 * Without Tekton's webhook nothing can serve conversion, so the CRDs lose their webhook
 * conversion: each version is served as stored (v1 is the storage version of the kinds used here).
 */
export function withoutConversionWebhook(
  crd: V1CustomResourceDefinition,
): V1CustomResourceDefinition {
  const { conversion: _conversion, ...spec } = crd.spec;
  return { ...crd, spec };
}

/**
 * Tekton's resolvers record a failed resolution with a status that has no `source` and
 * `refSource` (Go nils), which the release CRD requires; the API server drops those nulls and
 * refuses the update, so without Tekton's webhook in the path the failure is never recorded
 * and the PipelineRun waits in ResolvingPipelineRef until it times out. On a real installation
 * the failure is recorded (`CouldntGetPipeline`, as Tekton's own e2e tests expect), so the
 * test plane makes those status fields optional.
 */
export function withOptionalResolutionStatus(
  crd: V1CustomResourceDefinition,
): V1CustomResourceDefinition {
  if (crd.metadata?.name !== 'resolutionrequests.resolution.tekton.dev') return crd;
  const versions = crd.spec.versions.map((version) => {
    const status = version.schema?.openAPIV3Schema?.properties?.status;
    if (!status?.required) return version;
    const { required: _required, ...optional } = status;
    const schema = version.schema?.openAPIV3Schema;
    return {
      ...version,
      schema: {
        openAPIV3Schema: { ...schema, properties: { ...schema?.properties, status: optional } },
      },
    };
  });
  return { ...crd, spec: { ...crd.spec, versions } };
}

/**
 * A ConfigMap of the release as the test control plane installs it: in `namespace`, and with
 * metrics and tracing off, since nothing scrapes or collects them and an exporter costs a port.
 */
export function configMapFor(configMap: V1ConfigMap, namespace: string): V1ConfigMap {
  const name = configMap.metadata?.name ?? '';
  const data =
    name === 'config-observability'
      ? { ...configMap.data, 'metrics-protocol': 'none', 'tracing-protocol': 'none' }
      : configMap.data;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: configMap.metadata?.labels ?? {} },
    ...(data ? { data } : {}),
  };
}

/** Image names Tekton writes into pods; KWOK never pulls them. */
const image = (name: string) => `testenv.invalid/tekton/${name}:v1`;

/** Tekton's controller Deployment flags, minus what has no meaning here. */
export function controllerArgs(kubeconfigPath: string): string[] {
  return [
    `-kubeconfig=${kubeconfigPath}`,
    `-entrypoint-image=${image('entrypoint')}`,
    `-nop-image=${image('nop')}`,
    `-sidecarlogresults-image=${image('sidecarlogresults')}`,
    `-workingdirinit-image=${image('workingdirinit')}`,
    `-shell-image=${image('shell')}`,
    `-shell-image-win=${image('shell-win')}`,
  ];
}

export function resolversArgs(kubeconfigPath: string): string[] {
  return [`-kubeconfig=${kubeconfigPath}`];
}

/** The environment of Tekton's controller Deployment (release config/controller.yaml). */
export function controllerEnv(): Record<string, string> {
  return {
    SYSTEM_NAMESPACE: tektonNamespaces.controller,
    CONFIG_DEFAULTS_NAME: 'config-defaults',
    CONFIG_LOGGING_NAME: 'config-logging',
    CONFIG_OBSERVABILITY_NAME: 'config-observability',
    CONFIG_FEATURE_FLAGS_NAME: 'feature-flags',
    CONFIG_LEADERELECTION_NAME: 'config-leader-election-controller',
    CONFIG_SPIRE: 'config-spire',
    METRICS_DOMAIN: 'tekton.dev/pipeline',
  };
}

/** The environment of Tekton's resolvers Deployment (release config/resolvers/). */
export function resolversEnv(): Record<string, string> {
  return {
    SYSTEM_NAMESPACE: tektonNamespaces.resolvers,
    CONFIG_LOGGING_NAME: 'config-logging',
    CONFIG_OBSERVABILITY_NAME: 'config-observability',
    CONFIG_FEATURE_FLAGS_NAME: 'feature-flags',
    CONFIG_LEADERELECTION_NAME: 'config-leader-election-resolvers',
    METRICS_DOMAIN: 'tekton.dev/resolution',
  };
}
