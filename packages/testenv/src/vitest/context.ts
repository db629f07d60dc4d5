import type { Env } from '../binaries.js';
import type { ControlPlaneEndpoint } from '../connection.js';

/** What the global setup hands to test workers, which are other processes. */
export type TestEnvContext =
  | {
      status: 'ready';
      endpoint: ControlPlaneEndpoint;
      /** Why real Tekton does not run beside the plane (`endpoint.tekton` is then unset). */
      tektonUnavailable?: string | undefined;
    }
  | { status: 'unavailable'; reason: string };

export const contextKey = 'roundhouseTestenv';

declare module 'vitest' {
  export interface ProvidedContext {
    roundhouseTestenv: TestEnvContext | undefined;
  }
}

/** CI systems set CI; "false" and "0" are how people turn it off locally. */
export function isCi(env: Env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}
