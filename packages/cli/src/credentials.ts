import type { KubeConfig } from '@kubernetes/client-node';
import { RoundhouseError } from '@roundhouse/core';
import type { ClusterConfig } from '@roundhouse/kube';
import { type Fixable, InputError } from './errors.js';
import { execPluginLimitMs, limitExecPlugins } from './exec-plugin-limit.js';

/** The kubeconfig user's credentials could not be had: its exec plugin or auth provider failed. */
export class CredentialsUnavailableError extends RoundhouseError implements Fixable {
  readonly reason = 'CredentialsUnavailable';
  readonly fix: string;

  /** `stopped`: why the plugin was stopped (`gave none within 25 s`), if it was. */
  constructor(
    user: string,
    context: string,
    command: string | undefined,
    stopped?: string | undefined,
  ) {
    const failure =
      stopped !== undefined
        ? `its exec plugin "${command}" ${stopped} and was stopped`
        : command
          ? `its exec plugin "${command}" failed`
          : 'its auth provider failed';
    super(
      `the kubeconfig user "${user}" (context ${context}) gave no credentials: ${failure} (what it printed is not repeated: it may hold a token)`,
    );
    this.fix = `run ${command ? `"${command}"` : "the auth provider's login"} yourself to see why and log in again, or pick another context with --context`;
  }
}

/**
 * The kubeconfig as the CLI's clients see it. client-node's exec authenticator fails with what
 * the plugin wrote to stderr as its message, and a plugin's stderr can hold a token (a debug
 * line, a curl error echoing its request); printed as the CLI's error it would end up in a CI
 * log. A failure of a user's exec plugin or auth provider becomes one that names the plugin and
 * quotes nothing; a file the kubeconfig names that cannot be read is said as such, by its code.
 */
export function guardedClusterConfig(
  config: KubeConfig,
  source: string,
  execLimitMs = execPluginLimitMs,
): ClusterConfig {
  const plugins = limitExecPlugins(config, execLimitMs);
  const explained = (error: unknown) => {
    const { code, path } = error as { code?: unknown; path?: unknown };
    const user = config.getCurrentUser();
    const command = user?.exec?.command;
    if (typeof code === 'string' && command !== undefined && path === command) {
      return new InputError(
        {
          path: '--kubeconfig',
          message: `the exec plugin "${command}" of user ${user?.name} in ${source} cannot be run: ${code}`,
        },
        `install "${command}" (or put it on PATH), or correct users[].user.exec.command in the kubeconfig, or pick another context with --context`,
      );
    }
    if (typeof code === 'string' && typeof path === 'string') {
      // A file the kubeconfig names (certificate-authority, client-key, ...) cannot be read.
      return new InputError(
        { path: '--kubeconfig', message: `cannot read ${path}, which ${source} names: ${code}` },
        'correct the path in the kubeconfig (kubectl config view --minify shows the context), or pick another context with --context',
      );
    }
    if (!user?.exec && !user?.authProvider) return error;
    return new CredentialsUnavailableError(
      user.name,
      config.getCurrentContext(),
      command,
      plugins.stopped,
    );
  };
  return {
    getCurrentCluster: () => config.getCurrentCluster(),
    applyToHTTPSOptions: async (options) => {
      try {
        await config.applyToHTTPSOptions(options);
      } catch (error) {
        throw explained(error);
      }
    },
    applySecurityAuthentication: async (context) => {
      try {
        await config.applySecurityAuthentication(context);
      } catch (error) {
        throw explained(error);
      }
    },
  };
}
