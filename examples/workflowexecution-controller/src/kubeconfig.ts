import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import { isKubernetesError, type KubeClient } from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigSources {
  /** `--kubeconfig` or `KUBECONFIG`: one file, or several joined by the path delimiter. */
  readonly path?: string | undefined;
  readonly home?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists?: (path: string) => boolean;
}

/**
 * Loads the kubeconfig the way kubectl finds it: the given files, else ~/.kube/config, else the
 * pod's ServiceAccount. client-node's `loadFromDefault` falls back to http://localhost:8080
 * when it finds nothing, and a controller then retries against a server that is not there;
 * here nothing found, a missing file, a file that is no kubeconfig, or a current context
 * without a cluster is a ConfigurationError that says which.
 */
export function loadKubeConfig(sources: KubeConfigSources): KubeConfig {
  const exists = sources.exists ?? existsSync;
  const config = new KubeConfig();
  const files = (sources.path ?? '').split(delimiter).filter(Boolean);
  const home = sources.home ? join(sources.home, '.kube', 'config') : undefined;
  if (files.length === 0 && home && exists(home)) files.push(home);
  if (files.length > 0) {
    for (const [index, file] of files.entries()) {
      if (!exists(file)) {
        throw new ConfigurationError({ path: '--kubeconfig', message: `${file} does not exist` });
      }
      try {
        if (index === 0) config.loadFromFile(file);
        else {
          const more = new KubeConfig();
          more.loadFromFile(file);
          config.mergeConfig(more, true);
        }
      } catch (error) {
        throw new ConfigurationError({
          path: '--kubeconfig',
          message: `${file} is not a usable kubeconfig: ${firstLine(error)}`,
        });
      }
    }
  } else if (sources.env.KUBERNETES_SERVICE_HOST && exists(serviceAccountToken)) {
    config.loadFromCluster();
  } else {
    throw new ConfigurationError({
      path: '--kubeconfig',
      message:
        'no kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount',
    });
  }
  const context = config.getCurrentContext();
  if (!config.getCurrentCluster()) {
    throw new ConfigurationError({
      path: '--kubeconfig',
      message: context
        ? `current-context "${context}" names no cluster in the kubeconfig`
        : 'the kubeconfig has no current-context',
    });
  }
  return config;
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

/** YAML parse errors quote the file over several lines; the first says what is wrong. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
