import { roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { buildJob } from '@roundhouse/job';
import { KubeClient, type KubeObject, type ResourceType, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createJobModeController } from '../src/jobs/job-controller.js';
import { distExecs } from '../src/resource.js';
import { jobModeIdentity, patience, World } from './harness.js';

/** The execution namespace deploy/job-mode.yaml grants the controller. */
const executionNamespace = 'roundhouse-distexec-jobs';

const rbac = (kind: string, plural: string): ResourceType => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
});

/*
 * The execution namespace may hold other Roundhouse controllers' Jobs (a TaskAction's attempts,
 * a WorkflowExecution's): the same owner labels, naming an object of the author's namespace by
 * its name. A DistExec author who names a DistExec after such an object must not have the
 * controller delete a Job they could not touch themselves, nor does its owner's absence as a
 * DistExec make it one to collect.
 */
describeWithControlPlane("the Job-per-node mode beside another controller's Jobs", () => {
  const env = useTestNamespace({ prefix: 'dx-foreign' });
  const world = new World(env);
  const abort = new AbortController();
  let running: Promise<void> | undefined;

  beforeAll(async () => {
    await world.setUp();
    await world.createNode('a');
    const kubeConfig = await jobModeIdentity(world.admin, world.env);
    const controller = createJobModeController({
      kubeConfig,
      client: new KubeClient(kubeConfig),
      executionNamespace,
      image: 'registry.invalid/busybox:1',
      allowedImages: ['registry.invalid/*'],
      watchNamespace: env.namespace,
      resyncMs: 1_000,
      job: { pod: { tolerations: [world.testNodeToleration] } },
    });
    running = controller.start(abort.signal);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
  });

  afterAll(async () => {
    abort.abort();
    await running;
    await world.tearDown();
  });

  /** A user of the namespace who may create and read DistExecs, and nothing else. */
  async function author(): Promise<KubeClient> {
    const name = `${env.namespace}-author`;
    await world.admin.create(rbac('Role', 'roles'), env.namespace, {
      metadata: { name },
      rules: [{ apiGroups: [distExecs.group], resources: ['distexecs'], verbs: ['create', 'get'] }],
    } as KubeObject);
    await world.admin.create(rbac('RoleBinding', 'rolebindings'), env.namespace, {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
    } as KubeObject);
    return new KubeClient(await env.userKubeConfig(name));
  }

  /**
   * The Job of TaskAction `<namespace>/train`'s first attempt (`train-0`) as the TaskAction
   * controller's job engine makes it in a shared execution namespace; suspended, so no pod runs.
   */
  async function taskActionAttemptJob(): Promise<KubeObject> {
    const attempt: WorkflowExecution = {
      metadata: { name: 'train-0', namespace: env.namespace, uid: 'a-taskaction-uid' },
      spec: {
        workflowRef: {
          workflowId: 'proj.dev.run.train',
          version: '1',
          executionBundle: 'registry.invalid/train:1',
        },
        targetResource: `${env.namespace}/taskaction/train-0`,
        executionEngine: 'job',
      },
    };
    const job = buildJob(attempt, executionNamespace, undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      securityProfile: 'restricted',
    });
    const body = { ...job, spec: { ...job.spec, suspend: true } } as unknown as KubeObject;
    return (await world.admin.create(resources.jobs, executionNamespace, body)).object;
  }

  it("leaves alone another controller's Job that names an object of the author's namespace, also when a DistExec takes that name", async () => {
    const foreign = await taskActionAttemptJob();
    const mallory = await author();
    await vi.waitFor(
      () =>
        mallory.create(distExecs, env.namespace, {
          apiVersion: 'roundhouse.dev/v1alpha1',
          kind: 'DistExec',
          metadata: { name: 'train-0' },
          spec: { nodeSelector: world.selector, command: 'true' },
        }),
      patience,
    );
    // The DistExec's own Job exists: its reconciles have run past any predecessor's cleanup,
    // and the foreign Job's add woke its owner key long before.
    await world.waitForResults('train-0', (results) => {
      expect(Object.values(results).map((r) => r.attempts)).toEqual([1]);
    });
    const after = await world.admin.get<KubeObject>(
      resources.jobs,
      executionNamespace,
      foreign.metadata?.name as string,
    );
    expect(after?.metadata?.uid).toBe(foreign.metadata?.uid);
    expect(after?.metadata?.deletionTimestamp).toBeUndefined();
    await world.admin.delete(resources.jobs, executionNamespace, foreign.metadata?.name as string);
    await world.admin.delete(distExecs, env.namespace, 'train-0');
  });
});
