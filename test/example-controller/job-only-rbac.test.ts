import { readFileSync } from 'node:fs';
import { CleanupPendingError, type WorkflowExecution } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { grantRole, type Rule } from '../security/rbac-grant.js';
import { patience } from '../workflowexecution/harness.js';
import { deployDir } from './kustomize.js';

/**
 * deploy/rbac.yaml says a job-only install (`--engines=job`) needs the execution namespace
 * Role's first four rules only: with just those, the job engine's cleanup must still delete a pod
 * its Job's orphaning deletion left running (red team h374 F2), or that cleanup fails Forbidden.
 */
function jobOnlyRules(): Rule[] {
  const role = parseAllDocuments(readFileSync(`${deployDir}/rbac.yaml`, 'utf8'))
    .map((document) => document.toJS() as KubeObject & { rules?: Rule[] })
    .find((object) => object.kind === 'Role' && object.metadata?.name === 'roundhouse-executions');
  return (role?.rules ?? []).slice(0, 4);
}

const execution: WorkflowExecution = {
  metadata: { name: 'job-only', namespace: 'team-a', uid: 'uid-job-only' },
  spec: {
    workflowRef: { workflowId: 'restart', version: '1', executionBundle: 'registry.invalid/r:1' },
    targetResource: 'team-a/deployment/job-only',
    executionEngine: 'job',
  },
};

type Pod = KubeObject & { status?: { phase?: string } };

describeWithControlPlane("the job engine under deploy/rbac.yaml's job-only rules", () => {
  const env = useTestNamespace();
  const admin = () => new KubeClient(env.kubeConfig);

  it('cleans up a pod its deleted Job orphaned', async () => {
    const user = `${env.namespace}-job-engine`;
    await grantRole(admin(), env.namespace, { user, name: 'job-engine', rules: jobOnlyRules() });
    const ex = new JobExecutor(new KubeClient(await env.userKubeConfig(user)), {
      podAnnotations: { [podControls.runSeconds]: '600' },
    });
    // RBAC takes effect a moment after the grant.
    const { resourceName } = await vi.waitFor(() => ex.create(execution, env.namespace), patience);
    const pods = async () =>
      (
        await admin().list<Pod>(resources.pods, env.namespace, {
          labelSelector: `batch.kubernetes.io/job-name=${resourceName}`,
        })
      ).items;
    const pod = await vi.waitFor(async () => {
      const [found] = await pods();
      expect(found?.status?.phase).toBe('Running');
      return found as Pod;
    }, patience);
    await admin().delete(resources.jobs, env.namespace, resourceName, {
      propagationPolicy: 'Orphan',
    });
    await vi.waitFor(async () => {
      expect(await admin().get(resources.jobs, env.namespace, resourceName)).toBeNull();
    }, patience);

    const withRef = { ...execution, status: { executionRef: { name: resourceName } } };
    // Pending while the pod goes; under rules without pods delete it fails Forbidden, and the
    // wait ends on that error.
    await expect(ex.cleanup(withRef, env.namespace)).rejects.toBeInstanceOf(CleanupPendingError);
    await vi.waitFor(() => ex.cleanup(withRef, env.namespace), patience);
    expect((await pods()).map((p) => p.metadata?.uid)).not.toContain(pod.metadata?.uid);
  });
});
