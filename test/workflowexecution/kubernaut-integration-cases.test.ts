import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it } from 'vitest';

/*
 * kubernaut's test/integration/workflowexecution cases at d5a4a87 that no other file of ours
 * runs, on this package's CRD and a real API server: the execution snapshot #1661 put in
 * spec.workflowRef is as immutable as the rest of the spec
 * (workflowref_snapshot_immutability_test.go).
 */
type Execution = KubeObject & { spec: { workflowRef: Record<string, unknown> } };

describeWithControlPlane("kubernaut's integration cases on the WorkflowExecution CRD", () => {
  const env = useTestNamespace({ prefix: 'kn-it-cases' });
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => ensureWorkflowExecutionCrd(client()));

  it('IT-WFE-340-001: creation succeeds with the snapshot fields populated, and any later mutation of them is rejected', async () => {
    // kubernaut's fixture: every field of its WorkflowSnapshot set.
    const snapshot = {
      workflowId: 'wf-oom-recovery',
      workflowName: 'wf-oom-recovery',
      actionType: 'RestartPod',
      version: 'v1.0.0',
      executionBundle: 'quay.io/kubernaut/oom-recovery:v1',
      executionEngine: 'job',
      serviceAccountName: 'kubernaut-workflow-runner',
      dependencies: { secrets: [{ name: 'db-creds' }] },
      resources: { requests: { cpu: '100m' } },
      declaredParameterNames: { TARGET_NAMESPACE: true },
    };
    const name = 'wfref-snapshot';
    const { object: created } = await client().create<Execution>(
      workflowExecutions,
      env.namespace,
      {
        metadata: { name },
        spec: {
          remediationRequestRef: {
            apiVersion: 'kubernaut.ai/v1alpha1',
            kind: 'RemediationRequest',
            name: `test-rr-${name}`,
            namespace: env.namespace,
          },
          workflowRef: snapshot,
          targetResource: 'default/deployment/test-app',
        },
      } as Execution,
    );
    expect(created.spec.workflowRef).toEqual(snapshot);

    const rejected = async (workflowRef: Record<string, unknown>) =>
      client()
        .replace(workflowExecutions, env.namespace, name, {
          ...created,
          spec: { ...created.spec, workflowRef },
        })
        .catch((error: unknown) => error);
    for (const mutation of [
      { executionEngine: 'tekton' },
      { declaredParameterNames: { OTHER: true } },
    ]) {
      const error = await rejected({ ...snapshot, ...mutation });
      expect(error).toMatchObject({ reason: 'Invalid' });
      expect((error as Error).message).toContain('spec is immutable after creation');
    }

    // The same spec again (a reconcile's retry) is taken.
    const again = await client().replace(workflowExecutions, env.namespace, name, created);
    expect((again as Execution).spec.workflowRef).toEqual(snapshot);
  });
});
