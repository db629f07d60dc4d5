import type { Dependencies, WorkflowExecution } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { expect } from 'vitest';
import type { Manifest } from './harness.js';

/*
 * What kubernaut's E2E suites (test/e2e/workflowexecution at d5a4a87) share, for their ports in
 * kubernaut-*-e2e.test.ts: the shape of their executions, their dependencies and what they
 * check of a finished one.
 */

/**
 * `base` as kubernaut's createTestWFE helpers write it since its #1661: no `executionEngine`
 * on the spec, the engine and the dependencies on `workflowRef` (the catalog snapshot).
 */
export function kubernautShaped(
  base: Manifest,
  engine: string,
  extra: { dependencies?: Dependencies | undefined; workflowId?: string } = {},
): Manifest {
  const { executionEngine: _, ...spec } = base.spec;
  return {
    ...base,
    spec: {
      ...spec,
      workflowRef: {
        ...base.spec.workflowRef,
        ...(extra.workflowId ? { workflowId: extra.workflowId } : {}),
        executionEngine: engine,
        ...(extra.dependencies ? { dependencies: extra.dependencies } : {}),
      },
    },
  } as Manifest;
}

/** The Secret and ConfigMap an E2E suite's dependency cases name, in the execution namespace. */
export async function createDependencies(
  client: KubeClient,
  namespace: string,
  names: { secret: string; configMap: string },
): Promise<void> {
  await client.create(resources.secrets, namespace, {
    metadata: { name: names.secret },
    stringData: { token: 'e2e-test-value' },
  });
  await client.create(resources.configMaps, namespace, {
    metadata: { name: names.configMap },
    data: { setting: 'on' },
  });
}

/** What every suite checks of a Completed execution: its times and its conditions. */
export function expectKubernautCompletion(done: WorkflowExecution): void {
  expect(done.status?.startTime).toBeDefined();
  expect(done.status?.completionTime).toBeDefined();
  expect(done.status?.duration).toBeDefined();
  const conditions = Object.fromEntries((done.status?.conditions ?? []).map((c) => [c.type, c]));
  expect(conditions.ExecutionCreated?.status).toBe('True');
  expect(conditions.ExecutionComplete).toBeDefined();
  expect(conditions.Ready).toBeDefined();
}
