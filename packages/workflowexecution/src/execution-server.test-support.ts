import type { FinalizerPatchOperation, KubeClient, KubeObject, Reader } from '@roundhouse/kube';
import { KubernetesApiError } from '@roundhouse/kube';
import { vi } from 'vitest';

/*
 * One stored WorkflowExecution and the API server as far as it goes, for the reconciler's
 * unit tests: what they start from and what its writes leave.
 */

/** An execution as the API server stores it once the finalizer is in place. */
export function storedExecution(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `u-${name}`,
      resourceVersion: '1',
      generation: 1,
      finalizers: ['roundhouse.dev/execution-cleanup'],
    },
    spec: {
      workflowRef: {
        workflowId: 'restart-pod',
        version: '1',
        executionBundle: 'registry.invalid/w:1',
      },
      targetResource: 'team-a/deployment/app',
      executionEngine: 'job',
      ...spec,
    },
  };
}

/**
 * The metadata `operations` leave on `stored`, as the API server applies a JSON patch: every
 * `test` must hold (else 422 Invalid, nothing written); `remove` takes a finalizer out by index.
 */
function applyJsonPatch(
  stored: KubeObject,
  operations: readonly FinalizerPatchOperation[],
): KubeObject['metadata'] {
  const finalizers = [...(stored.metadata?.finalizers ?? [])];
  const at = (path: string) => Number(path.slice('/metadata/finalizers/'.length));
  for (const operation of operations) {
    const current =
      operation.path === '/metadata/uid' ? stored.metadata?.uid : finalizers[at(operation.path)];
    if (operation.op === 'test' && current !== operation.value)
      throw new KubernetesApiError('Invalid', `the test of ${operation.path} failed`, 422);
    if (operation.op === 'remove') finalizers.splice(at(operation.path), 1);
  }
  return { ...stored.metadata, finalizers };
}

/**
 * Every write moves the version on: a status patch merges into the status, a replace sets it,
 * a metadata patch (the finalizer) merges into the metadata, a JSON patch (a finalizer's removal)
 * applies its operations. `failWrites` makes each write
 * time out, as an API server that stopped answering. `write` is another client's write (the
 * author editing a label), which moves the version on as well. With `conditional` a patch sent
 * from another resourceVersion conflicts, so a write decided on an older copy (or a
 * predecessor's, of the same name) is refused; `patch` is the client's patch, to script or count.
 */
export function executionServer(initial: KubeObject, { conditional = false } = {}) {
  const state = { stored: initial, failWrites: false };
  const write = (change: Partial<KubeObject>) => {
    if (state.failWrites) throw new KubernetesApiError('Timeout', 'no answer', 504);
    state.stored = {
      ...state.stored,
      ...change,
      metadata: {
        ...state.stored.metadata,
        ...change.metadata,
        resourceVersion: String(Number(state.stored.metadata?.resourceVersion) + 1),
      },
    };
    return state.stored;
  };
  const patch = vi.fn(
    async (
      _t: unknown,
      _ns: unknown,
      _n: unknown,
      body: KubeObject | readonly FinalizerPatchOperation[],
    ) => {
      if (Array.isArray(body)) return write({ metadata: applyJsonPatch(state.stored, body) });
      return mergePatch(body as KubeObject);
    },
  );
  const mergePatch = (body: KubeObject) => {
    if (conditional && body.metadata?.resourceVersion !== state.stored.metadata?.resourceVersion)
      throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
    return body.status
      ? write({ status: { ...(state.stored.status as object), ...(body.status as object) } })
      : write({ metadata: body.metadata ?? {} });
  };
  const client = {
    get: async () => state.stored,
    patch,
    replace: async (_t: unknown, _ns: unknown, _n: unknown, body: KubeObject) =>
      write({ status: body.status }),
  } as unknown as KubeClient;
  const reader = { get: async () => state.stored } as unknown as Reader;
  return { state, client, reader, write, patch };
}
