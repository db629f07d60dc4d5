import {
  ExecutionForbiddenError,
  isAllowedSource,
  isBundleImageReference,
  parseTimeout,
  pinnedReference,
  requestedServiceAccount,
  serviceAccountField,
  timesOutAtMs,
  type WorkflowExecution,
} from '@roundhouse/core';
import { z } from 'zod';

/**
 * What this controller lets a WorkflowExecution ask for, on top of the admission policy: for
 * clusters that do not install it, and as defence in depth where they do. The defaults are
 * safe: only the default runner ServiceAccount, no bundle at all until the operator names the
 * registries it trusts, and only dependencies that opted in.
 */
export const ExecutionPolicySchema = z.object({
  /** ServiceAccounts an execution may name, besides the default runner. */
  serviceAccounts: z.array(z.string().min(1)).default([]),
  /**
   * Bundles an execution may run: an exact reference, a prefix ending in `/*` or `:*`
   * (`registry.example.com/team/*`), or `*` for any. Empty refuses every bundle. A bundle
   * pinned by `executionBundleDigest` must be allowed as pinned too (`repo:tag@sha256:...`):
   * an exact `repo:tag` allows that tag, not any digest of the repository.
   */
  bundles: z.array(z.string().min(1)).default([]),
  /** Refuse a bundle that is not pinned to a digest (in the reference or executionBundleDigest). */
  requireDigest: z.boolean().default(false),
  /**
   * The longest `executionConfig.timeout` an execution may ask for. The timeout is the
   * execution's deadline, so without a ceiling an author could hold a target's lock and a
   * runner for as long as Go's largest duration (292 years). Default 24 hours.
   */
  maxTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(24 * 3_600_000),
  /**
   * The annotation a dependency Secret or ConfigMap must carry, listing the WorkflowExecution
   * namespaces allowed to use it (comma-separated, `*` for any); `false` turns the opt-in off.
   */
  dependencyOptIn: z
    .union([z.literal(false), z.object({ annotation: z.string().min(1) })])
    .default({ annotation: 'roundhouse.dev/allowed-namespaces' }),
});

export type ExecutionPolicy = z.output<typeof ExecutionPolicySchema>;
export type ExecutionPolicyInput = z.input<typeof ExecutionPolicySchema>;

/**
 * Throws ExecutionForbiddenError when `wfe` names a ServiceAccount or a bundle the policy does
 * not allow, or would run longer than it allows when started at `now`. Pure: it reads nothing
 * but the execution, the policy and the time given.
 */
export function enforceExecutionPolicy(
  wfe: WorkflowExecution,
  policy: ExecutionPolicy,
  now: Date,
): void {
  const serviceAccount = requestedServiceAccount(wfe);
  if (serviceAccount !== undefined && !policy.serviceAccounts.includes(serviceAccount)) {
    throw new ExecutionForbiddenError(
      serviceAccountField(wfe),
      `ServiceAccount "${serviceAccount}" is not among those this controller lets executions run as; omit it to run as the default runner, or ask the operator to allow it`,
    );
  }
  const { executionBundle, executionBundleDigest } = wfe.spec.workflowRef;
  // A digest chooses what runs, whatever tag the reference names: an exact pattern allows the
  // tag it names, not every image of its repository, so the bundle is checked as pinned. The
  // engines repin any reference the spec admits, one pinned inline to a digest the kubelet
  // cannot pull by (kubernaut's `sha256:abc123`) too. Engines that run no image (a process's
  // path, an AWX template) ignore the digest.
  const pinned = isBundleImageReference(executionBundle)
    ? pinnedReference(executionBundle, executionBundleDigest)
    : executionBundle;
  if (!isAllowedSource(policy.bundles, pinned)) {
    if (pinned !== executionBundle && isAllowedSource(policy.bundles, executionBundle)) {
      throw new ExecutionForbiddenError(
        'spec.workflowRef.executionBundleDigest',
        `the digest makes this execution run "${pinned}", which no source this controller allows names (${policy.bundles.join(', ')}); drop the digest to run the tag the operator allowed, or ask the operator to allow "${pinned}" or the repository or its tags (repo/* or repo:*)`,
      );
    }
    throw new ExecutionForbiddenError(
      'spec.workflowRef.executionBundle',
      `bundle "${executionBundle}" is not from a source this controller allows${
        policy.bundles.length
          ? ` (${policy.bundles.join(', ')})`
          : ' (it allows none until configured)'
      }`,
    );
  }
  // A URL's `@` is its user's (`ssh://git@host/repo`): only an OCI reference is pinned by one.
  const pinnedInline = !executionBundle.includes('://') && executionBundle.includes('@');
  if (policy.requireDigest && !executionBundleDigest && !pinnedInline) {
    throw new ExecutionForbiddenError(
      'spec.workflowRef.executionBundleDigest',
      'this controller runs only bundles pinned to a digest; set executionBundleDigest or use repo@sha256:...',
    );
  }
  const timeout = wfe.spec.executionConfig?.timeout;
  const path = 'spec.executionConfig.timeout';
  if (timeout !== undefined && parseTimeout(timeout, path) > policy.maxTimeoutMs) {
    throw new ExecutionForbiddenError(
      path,
      `timeout "${truncate(timeout)}" is longer than the ${formatHours(policy.maxTimeoutMs)} this controller allows; ask for less, or ask the operator to raise the ceiling`,
    );
  }
  const deadline = timesOutAtMs(wfe);
  if (deadline !== undefined && deadline - now.getTime() > policy.maxTimeoutMs) {
    throw new ExecutionForbiddenError(
      'spec.timesOutAt',
      `${wfe.spec.timesOutAt} is more than the ${formatHours(policy.maxTimeoutMs)} this controller lets an execution run from now; set an earlier deadline, or ask the operator to raise the ceiling`,
    );
  }
}

/** A timeout as the author wrote it, short enough to quote in a status message. */
function truncate(value: string): string {
  return value.length > 32 ? `${value.slice(0, 32)}…` : value;
}

function formatHours(ms: number): string {
  const hours = ms / 3_600_000;
  return Number.isInteger(hours) ? `${hours}h` : `${ms}ms`;
}

/**
 * Whether a dependency object's opt-in annotation lets executions from `namespace` use it.
 * Pure, so the rule is tested apart from the reads.
 */
export function allowsNamespace(
  annotations: Readonly<Record<string, string>> | undefined,
  annotation: string,
  namespace: string,
): boolean {
  const value = annotations?.[annotation];
  if (value === undefined) return false;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .some((entry) => entry === '*' || entry === namespace);
}
