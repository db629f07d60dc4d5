import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import {
  inClusterConfig,
  isKubernetesError,
  type KubeClient,
  type LoadedKubeConfig,
  loadKubeConfig as loadKubeConfigFiles,
} from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigSources {
  /** `--kubeconfig` or `KUBECONFIG`: one file, or several joined by the path delimiter. */
  readonly path?: string | undefined;
  readonly home?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists?: ((path: string) => boolean) | undefined;
}

/**
 * Loads the kubeconfig the way kubectl finds it: the given files, else ~/.kube/config, else the
 * pod's ServiceAccount. client-node's `loadFromDefault` falls back to http://localhost:8080
 * when it finds nothing, and a controller then retries against a server that is not there;
 * here nothing found, a missing file, a file that is no kubeconfig, or a current context
 * without a cluster is a ConfigurationError that says which. @roundhouse/kube's loader keeps
 * client-node's generated API (about 80 MiB) out of the process.
 */
export async function loadKubeConfig(sources: KubeConfigSources): Promise<LoadedKubeConfig> {
  const exists = sources.exists ?? existsSync;
  const files = (sources.path ?? '').split(delimiter).filter(Boolean);
  const home = sources.home ? join(sources.home, '.kube', 'config') : undefined;
  if (files.length === 0 && home && exists(home)) files.push(home);
  const missing = files.find((file) => !exists(file));
  if (missing) {
    throw new ConfigurationError({ path: '--kubeconfig', message: `${missing} does not exist` });
  }
  try {
    if (files.length > 0) return await loadKubeConfigFiles({ files });
    if (sources.env.KUBERNETES_SERVICE_HOST && exists(serviceAccountToken))
      return inClusterConfig(sources.env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    // The library names its input "kubeconfig"; here it came from the flag.
    throw new ConfigurationError(
      error.issues.map((issue) => ({ ...issue, path: '--kubeconfig' })),
      { cause: error },
    );
  }
  throw new ConfigurationError({
    path: '--kubeconfig',
    message:
      'no kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount',
  });
}

/** The API server could not be used at start-up; the message says why and what to do. */
export class ClusterUnusableError extends RoundhouseError {
  readonly reason = 'ClusterUnusable';
}

/**
 * One request before anything starts: is the API server there, does it accept these
 * credentials, does it serve WorkflowExecutions? A controller that skipped this would log the
 * same failure from every informer forever; this gives one clear error instead, and a
 * Deployment restarts the pod with backoff until the cluster is ready.
 */
export async function checkCluster(
  client: KubeClient,
  server: string,
  signal: AbortSignal,
): Promise<void> {
  let served: boolean;
  try {
    served = await client.isServed(workflowExecutions, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    const detail = describeFailure(error);
    const message = isKubernetesError(error, 'Unauthorized')
      ? `the API server at ${server} refused the kubeconfig's credentials (${detail})`
      : `cannot use the API server at ${server}: ${detail}`;
    throw new ClusterUnusableError(message, { cause: error });
  }
  if (!served) {
    throw new ClusterUnusableError(
      `the API server at ${server} does not serve ${workflowExecutions.plural}.${workflowExecutions.group}: install the CRD first (kubectl apply -k examples/workflowexecution-controller/deploy)`,
    );
  }
}

/** The error's message, and its root cause's when that says more (e.g. a socket error). */
function describeFailure(error: unknown): string {
  let root = error;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const message = error instanceof Error ? error.message : String(error);
  const cause = root instanceof Error ? root.message : String(root);
  return root === error || message.includes(cause) ? message : `${message} (${cause})`;
}
