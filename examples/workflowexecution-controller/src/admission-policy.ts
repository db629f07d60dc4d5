import { flagName } from '@roundhouse/controller';
import { ConfigurationError } from '@roundhouse/core';
import { workflowExecutionAdmissionPolicy } from '@roundhouse/workflowexecution';
import type { Config } from './config.js';

/**
 * The admission policy and its binding for this configuration, as one JSON `List` that
 * `kubectl apply -f -` takes. deploy/admission-policy.yaml is this for the defaults; a policy
 * cannot ask discovery which custom kinds are cluster-scoped, so an operator whose targets name
 * such kinds (or who runs another execution namespace) applies this output instead.
 */
export function admissionPolicyManifest(config: Config): string {
  let manifest: ReturnType<typeof workflowExecutionAdmissionPolicy>;
  try {
    manifest = workflowExecutionAdmissionPolicy({
      executionNamespace: config.executionNamespace,
      clusterScopedKinds: config.clusterScopedKinds,
      apiGroup: config.apiGroup,
    });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    // Named by the flag that set it: `clusterScopedKinds[1]` means nothing on a command line.
    throw new ConfigurationError(
      error.issues.map((issue) => {
        const [option = '', index] = issue.path.split(/[[\]]/);
        const value = index === undefined ? '' : ` (entry ${Number(index) + 1})`;
        return { ...issue, path: `--${flagName(option as keyof Config)}${value}` };
      }),
    );
  }
  const list = { apiVersion: 'v1', kind: 'List', items: [manifest.policy, manifest.binding] };
  return `${JSON.stringify(list, null, 2)}\n`;
}
