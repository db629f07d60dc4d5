import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError, type FailureReason, throwIfAborted } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import {
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  type WorkflowExecutionAdmissionPolicyOptions,
  workflowExecutionAdmissionPolicy,
} from './admission-policy.js';
import { crdStatusGaps, crdUnlistedFailureReasons, workflowExecutionCrd } from './crd.js';
import { workflowExecutionApi } from './resource.js';

/**
 * Creates or updates the WorkflowExecution CRD and waits until the API server serves it. A
 * controller (or the demo) calls this at start-up; production installs usually apply the same
 * object from the generated manifest instead. `apiGroup`: the group the controller serves
 * (default roundhouse.dev).
 */
export async function ensureWorkflowExecutionCrd(
  client: KubeClient,
  options: {
    signal?: AbortSignal | undefined;
    timeoutMs?: number | undefined;
    apiGroup?: string | undefined;
  } = {},
): Promise<void> {
  const { resource } = workflowExecutionApi(options.apiGroup);
  const crd = workflowExecutionCrd({ apiGroup: options.apiGroup });
  await client.patch(resources.customResourceDefinitions, undefined, crd.metadata.name, crd, {
    strategy: 'apply',
    force: true,
    signal: options.signal,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await client.isServed(resource, options))) {
    throwIfAborted(options.signal, 'wait for the WorkflowExecution CRD');
    if (Date.now() > deadline)
      throw new Error('the WorkflowExecution CRD was not served within the timeout');
    await sleep(200);
  }
}

/**
 * Creates or updates the ValidatingAdmissionPolicy and its binding that refuse a
 * WorkflowExecution whose author may not read its dependencies or use its ServiceAccount in
 * `executionNamespace` (see `workflowExecutionAdmissionPolicy`). Needs cluster-admin rights,
 * like the CRD; production installs apply deploy/admission-policy.yaml instead. The API server
 * enforces a new policy only after a short delay.
 */
export async function ensureWorkflowExecutionAdmissionPolicy(
  client: KubeClient,
  options: WorkflowExecutionAdmissionPolicyOptions & { signal?: AbortSignal | undefined },
): Promise<void> {
  const { policy, binding } = workflowExecutionAdmissionPolicy(options);
  const apply = { strategy: 'apply', force: true, signal: options.signal } as const;
  await client.patch(validatingAdmissionPolicies, undefined, policy.metadata.name, policy, apply);
  await client.patch(
    validatingAdmissionPolicyBindings,
    undefined,
    binding.metadata.name,
    binding,
    apply,
  );
}

/** What the installed CRD admits of the controller's status writes, beyond its own schema. */
export interface InstalledCrd {
  /**
   * Failure reasons the CRD does not list, written as `Unknown` instead (kubernaut's own CRD
   * lists no ExecutionResourceDeleted); empty for this package's CRD or none installed.
   */
  readonly unlistedFailureReasons: readonly FailureReason[];
}

/**
 * Refuses an installed WorkflowExecution CRD that would refuse the controller's status writes
 * (`crdStatusGaps`: an enum value or a required field it cannot give, the version not served),
 * where an execution's status write would be refused on every retry and the execution stay
 * Running, its target locked, until its deadline. A ConfigurationError naming each field and
 * value; nothing when the CRD is not installed (the watch says so). A failure reason it does not
 * list while it lists `Unknown` is no gap: the reconciler writes `Unknown` there, as kubernaut
 * does on its own CRD, which a user migrating to `apiGroup: 'kubernaut.ai'` may keep.
 */
export async function checkWorkflowExecutionCrd(
  client: KubeClient,
  options: { apiGroup?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<InstalledCrd> {
  const { group, plural } = workflowExecutionApi(options.apiGroup).resource;
  const name = `${plural}.${group}`;
  const crd = await client.get(resources.customResourceDefinitions, undefined, name, {
    signal: options.signal,
  });
  const gaps = crd ? crdStatusGaps(crd) : [];
  if (gaps.length === 0)
    return { unlistedFailureReasons: crd ? crdUnlistedFailureReasons(crd) : [] };
  throw new ConfigurationError(
    gaps.map((gap) => ({
      path: `CustomResourceDefinition ${name} ${gap.path}`,
      message: `${gap.message}; install this controller's CRD for the group (ensureWorkflowExecutionCrd, or workflowExecutionCrd({ apiGroup: '${group}' }))`,
    })),
  );
}
