import { ConfigurationError } from '@roundhouse/core';

/** What is wrong with a kubeconfig, for a caller that says it in its own words. */
export type KubeConfigProblem =
  /** No KUBECONFIG, no ~/.kube/config, and not a pod with a ServiceAccount. */
  | { readonly kind: 'NoneFound' }
  /** None of the files named exists (a KUBECONFIG file that does not is passed over). */
  | { readonly kind: 'Missing'; readonly files: readonly string[] }
  /** A device, or a file larger than any kubeconfig: reading it would not end, or fill memory. */
  | { readonly kind: 'NotAFile'; readonly file: string; readonly detail: string }
  /** The file cannot be read or parsed; `detail` says why without quoting its lines. */
  | { readonly kind: 'Unusable'; readonly file: string; readonly detail: string }
  /** The file is YAML, but not a mapping: some other text. */
  | { readonly kind: 'NotAKubeconfig'; readonly file: string }
  /** No context was chosen and the kubeconfig sets no current-context. */
  | { readonly kind: 'NoCurrentContext'; readonly contexts: readonly string[] }
  /** The context chosen (`chosen`) or the current-context names no context. */
  | {
      readonly kind: 'UnknownContext';
      readonly context: string;
      readonly chosen: boolean;
      readonly contexts: readonly string[];
    }
  /** The context names a cluster or user the kubeconfig does not define. */
  | {
      readonly kind: 'UndefinedReference';
      readonly context: string;
      readonly chosen: boolean;
      readonly cluster: string | undefined;
      readonly user: string | undefined;
      readonly contexts: readonly string[];
    }
  /**
   * The context's user has an auth-provider kubectl does not run either: `gcp` and `azure`
   * were removed (their replacement is an exec credential plugin, named in `replacement`), and
   * any other name was never one. Only `oidc` is still an auth-provider.
   */
  | {
      readonly kind: 'UnsupportedAuthProvider';
      readonly context: string;
      readonly user: string;
      readonly provider: string;
      readonly replacement: string;
    };

/**
 * A kubeconfig that cannot be used, with what is wrong as data: a controller logs the message,
 * a command line names its own flag and the fix. Neither quotes a line of the file.
 */
export class KubeConfigError extends ConfigurationError {
  readonly problem: KubeConfigProblem;

  constructor(problem: KubeConfigProblem, message: string) {
    super({ path: 'kubeconfig', message });
    this.problem = problem;
  }
}
