import { RoundhouseError } from '@roundhouse/core';
import {
  type ClusterConfig,
  ExecCredentialError,
  ExecPluginNotRunnableError,
  type LoadedKubeConfig,
} from '@roundhouse/kube';
import { type Fixable, InputError } from './errors.js';

/**
 * How long a kubeconfig's exec credential plugin may run. The KubeClient gives up on a request
 * after 30 s and calls that an unreachable cluster; the plugin is stopped first, so the error
 * names it.
 */
export const execPluginLimitMs = 25_000;

/** More than any ExecCredential holds (a token, or a certificate and key). */
export const execPluginOutputLimitBytes = 1024 * 1024;

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
 * The kubeconfig as the CLI's clients see it: a failure of the user's exec plugin (run by
 * @roundhouse/kube, bounded by `execLimitMs` and 1 MiB of output) or auth provider (run by
 * client-node, to which the loader hands it) becomes one that names the plugin and quotes
 * nothing, since a plugin's output can hold a token; a file the kubeconfig names that cannot be
 * read is said as such, by its code.
 */
export function guardedClusterConfig(
  config: LoadedKubeConfig,
  source: string,
  execLimitMs = execPluginLimitMs,
): ClusterConfig {
  const explained = (error: unknown) => {
    const user = config.getCurrentUser();
    if (error instanceof ExecPluginNotRunnableError) {
      return new InputError(
        {
          path: '--kubeconfig',
          message: `the exec plugin "${error.command}" of user ${user?.name} in ${source} cannot be run: ${error.code}`,
        },
        `install "${error.command}" (or put it on PATH), or correct users[].user.exec.command in the kubeconfig, or pick another context with --context`,
      );
    }
    if (error instanceof ExecCredentialError) {
      const stopped =
        error.killed === 'timeout'
          ? `gave none within ${execLimitMs / 1000} s`
          : error.killed === 'output'
            ? `printed more than ${execPluginOutputLimitBytes / 1024 / 1024} MiB`
            : undefined;
      return new CredentialsUnavailableError(
        user?.name ?? '',
        config.getCurrentContext(),
        error.command,
        stopped,
      );
    }
    const { code, path } = error as { code?: unknown; path?: unknown };
    if (typeof code === 'string' && typeof path === 'string') {
      // A file the kubeconfig names (certificate-authority, client-key, ...) cannot be read.
      return new InputError(
        { path: '--kubeconfig', message: `cannot read ${path}, which ${source} names: ${code}` },
        'correct the path in the kubeconfig (kubectl config view --minify shows the context), or pick another context with --context',
      );
    }
    if (!user?.authProvider) return error;
    return new CredentialsUnavailableError(user.name, config.getCurrentContext(), undefined);
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
    credentialsRejected: (rejected) => config.credentialsRejected?.(rejected),
  };
}
