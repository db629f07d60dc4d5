import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  KubeConfigError,
  type KubeConfigProblem,
  type LoadedKubeConfig,
  loadKubeConfig,
} from '@roundhouse/kube';
import { execPluginLimitMs, execPluginOutputLimitBytes } from './credentials.js';
import { InputError } from './errors.js';

const loadFix = 'pass a readable kubeconfig with --kubeconfig or KUBECONFIG';

/** Where the kubeconfig comes from, and which context of it, as kubectl's flags say. */
export interface KubeconfigChoice {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/** Where the kubeconfig came from, for messages. */
export function kubeconfigSource(
  choice: KubeconfigChoice,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return choice.kubeconfig ?? env.KUBECONFIG ?? '~/.kube/config';
}

/**
 * The kubeconfig of `--kubeconfig`, else KUBECONFIG's files (merged as kubectl merges them),
 * else ~/.kube/config, else the pod's ServiceAccount, loaded by @roundhouse/kube as the
 * controllers load theirs. Its exec credential plugin is stopped after `execLimitMs` or 1 MiB
 * of output, and its standard error is not shown: a debug line may hold a token, and the CLI's
 * output ends up in CI logs. What makes the kubeconfig unusable is said naming the flag, the
 * file and the fix, quoting none of its lines.
 */
export async function loadCliKubeConfig(
  choice: KubeconfigChoice,
  env: Readonly<Record<string, string | undefined>>,
  execLimitMs = execPluginLimitMs,
): Promise<LoadedKubeConfig> {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  const home = join(homedir(), '.kube', 'config');
  const files = choice.kubeconfig
    ? undefined
    : listed.length > 0
      ? listed
      : existsSync(home)
        ? [home]
        : [];
  try {
    return await loadKubeConfig({
      file: choice.kubeconfig,
      files,
      context: choice.context,
      exec: {
        timeoutMs: execLimitMs,
        maxOutputBytes: execPluginOutputLimitBytes,
        stderr: 'ignore',
      },
    });
  } catch (error) {
    if (!(error instanceof KubeConfigError)) throw error;
    throw unusableKubeconfig(error.problem, kubeconfigSource(choice, env), choice.kubeconfig);
  }
}

function unusableKubeconfig(
  problem: KubeConfigProblem,
  source: string,
  flag: string | undefined,
): InputError {
  const refused = (message: string, fix = loadFix) =>
    new InputError({ path: '--kubeconfig', message }, fix);
  const choose = (contexts: readonly string[]) =>
    contexts.length > 0
      ? `choose one of its contexts with --context (${contexts.join(', ')}) or kubectl config use-context`
      : 'pass the kubeconfig your cluster provider wrote with --kubeconfig or KUBECONFIG';
  switch (problem.kind) {
    case 'NoneFound':
      return refused(
        'no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod with a ServiceAccount',
        "pass --kubeconfig FILE or set KUBECONFIG, or log in with your cluster's own tool, which writes ~/.kube/config",
      );
    case 'Missing':
      return refused(
        flag
          ? `cannot load ${flag}: it does not exist`
          : `none of the files KUBECONFIG lists exists (${problem.files.join(', ')})`,
      );
    case 'NotAFile':
      return refused(`${problem.file} ${problem.detail}`);
    case 'Unusable':
      return refused(`cannot load ${problem.file}: ${problem.detail}`);
    case 'NotAKubeconfig':
      return refused(`${problem.file} holds no contexts: it is not a kubeconfig`, choose([]));
    case 'NoCurrentContext':
      return refused(
        problem.contexts.length > 0
          ? `${source} sets no current-context`
          : `${source} holds no contexts: it is not a kubeconfig`,
        choose(problem.contexts),
      );
    case 'UnknownContext':
      return problem.chosen
        ? new InputError(
            { path: '--context', message: `no context "${problem.context}" in ${source}` },
            `use one of: ${problem.contexts.join(', ') || '(none)'} (kubectl config get-contexts)`,
          )
        : refused(
            `current-context "${problem.context}" names no context in ${source}`,
            choose(problem.contexts),
          );
    case 'UndefinedReference': {
      const missing = [
        problem.cluster === undefined ? undefined : `cluster "${problem.cluster}"`,
        problem.user === undefined ? undefined : `user "${problem.user}"`,
      ].filter((m): m is string => m !== undefined);
      return refused(
        `context "${problem.context}" names ${missing.join(' and ')}, which ${source} does not define`,
        `add ${missing.length > 1 ? 'them' : 'it'} to the kubeconfig or correct the context (kubectl config view shows both), or ${choose(problem.contexts)}`,
      );
    }
    case 'UnsupportedAuthProvider':
      return refused(
        `the user "${problem.user}" of context "${problem.context}" in ${source} has the auth-provider "${problem.provider}", which kubectl does not run either`,
        problem.replacement,
      );
  }
}
