import type { KubeClient } from '@roundhouse/kube';
import { type TestNamespace, tektonAvailable } from '@roundhouse/testenv/vitest';
import { setPipelineRunStatus } from '../../packages/tekton/test/drive.js';
import { finishTaskPod, prepareNamespace, workflows } from '../../packages/tekton/test/tekton.js';

/**
 * How a test ends a PipelineRun. With real Tekton beside the control plane (always on CI) the
 * run comes from a pushed bundle whose one task holds its pod until the test ends it, and
 * Tekton does the rest; without it (ROUNDHOUSE_TESTENV_TEKTON=off), the test plays Tekton and
 * writes the PipelineRun's Succeeded condition itself.
 */
export interface TektonDriver {
  /** The bundle executions must name, so the driver can end them. */
  readonly executionBundle: string;
  /** Readies a namespace PipelineRuns will run in. */
  prepare(client: KubeClient, namespace: string): Promise<void>;
  succeed(client: KubeClient, namespace: string, pipelineRun: string): Promise<void>;
  fail(client: KubeClient, namespace: string, pipelineRun: string): Promise<void>;
}

const playedTekton: TektonDriver = {
  executionBundle: 'registry.invalid/restart:1',
  prepare: async () => {},
  succeed: (client, namespace, name) =>
    setPipelineRunStatus(client, namespace, name, { status: 'True', reason: 'Succeeded' }),
  fail: (client, namespace, name) =>
    setPipelineRunStatus(client, namespace, name, { status: 'False', reason: 'Failed' }),
};

/** The driver for this run: real Tekton when it runs beside the control plane, else played. */
export async function tektonDriver(env: TestNamespace): Promise<TektonDriver> {
  await env.installTektonCrds();
  if (!tektonAvailable()) return playedTekton;
  const bundle = await env.tekton.pushWorkflow('roundhouse-tests/holds', 'v1', workflows.holds);
  return {
    executionBundle: bundle.reference,
    prepare: prepareNamespace,
    succeed: (client, namespace, name) => finishTaskPod(client, namespace, name, 0),
    fail: (client, namespace, name) => finishTaskPod(client, namespace, name, 1),
  };
}
