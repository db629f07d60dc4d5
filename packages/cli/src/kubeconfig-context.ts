import type { KubeConfig } from '@kubernetes/client-node';
import { InputError } from './errors.js';

/**
 * Refuses a kubeconfig whose current context cannot be used, as kubectl does: none set, a name
 * no context has, a context whose cluster or user the file does not define. client-node loads
 * such a file without a word; every request then failed with "the kubeconfig has no current
 * cluster" naming neither the file nor the key, or went out with no credentials at all.
 */
export function checkCurrentContext(config: KubeConfig, source: string): void {
  const names = config.getContexts().map((c) => c.name);
  const choose =
    names.length > 0
      ? `choose one of its contexts with --context (${names.join(', ')}) or kubectl config use-context`
      : 'pass the kubeconfig your cluster provider wrote with --kubeconfig or KUBECONFIG';
  const current = config.getCurrentContext();
  if (!current) {
    throw new InputError(
      {
        path: '--kubeconfig',
        message:
          names.length > 0
            ? `${source} sets no current-context`
            : `${source} holds no contexts: it is not a kubeconfig`,
      },
      choose,
    );
  }
  const context = config.getContextObject(current);
  if (!context) {
    throw new InputError(
      {
        path: '--kubeconfig',
        message: `current-context "${current}" names no context in ${source}`,
      },
      choose,
    );
  }
  const missing = [
    config.getCluster(context.cluster) ? undefined : `cluster "${context.cluster}"`,
    context.user && !config.getUser(context.user) ? `user "${context.user}"` : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new InputError(
      {
        path: '--kubeconfig',
        message: `context "${current}" names ${missing.join(' and ')}, which ${source} does not define`,
      },
      `add ${missing.length > 1 ? 'them' : 'it'} to the kubeconfig or correct the context (kubectl config view shows both), or ${choose}`,
    );
  }
}
