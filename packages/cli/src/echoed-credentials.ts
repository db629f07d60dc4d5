import type { LoadedKubeConfig } from '@roundhouse/kube';

/** Shorter values are no token: hiding them would cut words out of every message. */
const shortestHidden = 8;

const hidden = "[hidden: the kubeconfig user's credential]";

/** The kubeconfig user's token and password, which an answer may quote back. */
export function credentialValues(config: Pick<LoadedKubeConfig, 'getCurrentUser'>): string[] {
  const user = config.getCurrentUser();
  return [user?.token, user?.password].filter(
    (value): value is string => typeof value === 'string' && value.length >= shortestHidden,
  );
}

/**
 * `error` with the user's credentials taken out of its message and fix. What the CLI says
 * quotes the API server's answers, and a proxy or an authenticator in front of it may quote
 * the Authorization header it refused ("invalid bearer token abc..."); the error is read on
 * screen and kept in CI logs. The error keeps its class and reason.
 */
export function withoutCredentials(error: unknown, credentials: readonly string[]): unknown {
  if (!(error instanceof Error) || credentials.length === 0) return error;
  const clean = (text: string) =>
    credentials.reduce((out, credential) => out.replaceAll(credential, hidden), text);
  error.message = clean(error.message);
  const withFix = error as Error & { fix?: unknown };
  if (typeof withFix.fix === 'string') {
    Object.defineProperty(withFix, 'fix', { value: clean(withFix.fix) });
  }
  return error;
}
