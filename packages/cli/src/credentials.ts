import type { KubeConfig } from '@kubernetes/client-node';
import { RoundhouseError } from '@roundhouse/core';
import type { ClusterConfig } from '@roundhouse/kube';
import type { Fixable } from './errors.js';

/** The kubeconfig user's credentials could not be had: its exec plugin or auth provider failed. */
export class CredentialsUnavailableError extends RoundhouseError implements Fixable {
  readonly reason = 'CredentialsUnavailable';
  readonly fix: string;

  constructor(user: string, context: string, command: string | undefined) {
    super(
      `the kubeconfig user "${user}" (context ${context}) gave no credentials: ${
        command ? `its exec plugin "${command}" failed` : 'its auth provider failed'
      } (what it printed is not repeated: it may hold a token)`,
    );
    this.fix = `run ${command ? `"${command}"` : "the auth provider's login"} yourself to see why and log in again, or pick another context with --context`;
  }
}

/**
 * The kubeconfig as the CLI's clients see it. client-node's exec authenticator fails with what
 * the plugin wrote to stderr as its message, and a plugin's stderr can hold a token (a debug
 * line, a curl error echoing its request); printed as the CLI's error it would end up in a CI
 * log. A failure to get credentials becomes one that names the plugin and quotes nothing.
 */
export function guardedClusterConfig(config: KubeConfig): ClusterConfig {
  const unavailable = () => {
    const user = config.getCurrentUser();
    return new CredentialsUnavailableError(
      user?.name ?? '',
      config.getCurrentContext(),
      user?.exec?.command,
    );
  };
  return {
    getCurrentCluster: () => config.getCurrentCluster(),
    applyToHTTPSOptions: async (options) => {
      try {
        await config.applyToHTTPSOptions(options);
      } catch {
        throw unavailable();
      }
    },
    applySecurityAuthentication: async (context) => {
      try {
        await config.applySecurityAuthentication(context);
      } catch {
        throw unavailable();
      }
    },
  };
}
