import type { V1Pod } from '@kubernetes/client-node';
import {
  type Dependencies,
  Registry,
  requestedDependencies,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { executionAuthors } from '../support/execution-authors.js';
import {
  type ControllerFixture,
  type StoredExecution,
  useController,
} from '../workflowexecution/controller-fixture.js';
import { manifest } from '../workflowexecution/harness.js';

/*
 * The pod engine runs the author's own scripts, so a Secret or ConfigMap mounted into its Pod is
 * one the author reads, whoever chose it: the spec (a Secret opted in to the author's namespace
 * with `roundhouse.dev/allowed-namespaces`, which lets executions there use it, not their authors
 * read it) or the operator's dependency catalog (`resolveDependencies`, which the admission
 * policy never sees). Each execution is created by a minted non-admin author, refused `get` on
 * the Secret, against the real API server and a running controller.
 */

const allowedImages = ['registry.invalid/*'];
const runner = roundhouseConventions.defaultServiceAccountName;
const mountPath = '/run/roundhouse/secrets/shared-db';
const steps = [
  {
    name: 'x',
    image: 'registry.invalid/tools:1',
    script: `cat ${mountPath}/password > /dev/termination-log; exit 1`,
  },
];
/** The catalog's workflow whose entry needs the shared Secret. */
const catalogued = 'db-migrate';

/**
 * An opted-in Secret and ConfigMap, a ServiceAccount the controller's policy lets executions run
 * as, and a controller on the pod engine built by `options`.
 */
function podController(prefix: string, options: { mountDependencies?: boolean }) {
  const cluster = useController(prefix);
  beforeAll(async () => {
    const admin = cluster.client();
    const optIn = { 'roundhouse.dev/allowed-namespaces': cluster.env.namespace };
    await admin.create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: runner },
    });
    await admin.create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: 'deployer' },
    });
    await admin.create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: 'shared-db', annotations: optIn },
      stringData: { password: 'hunter2' },
    });
    await admin.create(resources.configMaps, cluster.executionNamespace, {
      metadata: { name: 'shared-config', annotations: optIn },
      data: { endpoint: 'db.internal' },
    });
    // The operator's catalog: its db-migrate workflow needs the database login; any other
    // workflow gets what its spec lists.
    const resolveDependencies = async (
      wfe: WorkflowExecution,
    ): Promise<Dependencies | undefined> =>
      wfe.spec.workflowRef.workflowId === catalogued
        ? { secrets: [{ name: 'shared-db' }] }
        : requestedDependencies(wfe).dependencies;
    // A variable, not a literal: the fixture's settings do not list the catalog hook, which
    // reaches the controller all the same.
    const settings = {
      registry: (reader: Reader) =>
        new Registry().register(
          new PodExecutor(cluster.client(), { reader, allowedImages, ...options }),
        ),
      resolveDependencies,
      policy: { bundles: ['registry.invalid/*'], serviceAccounts: ['deployer'] },
    };
    await cluster.start(settings);
  });
  return cluster;
}

const podsOf = async (cluster: ControllerFixture, wfe: string) => {
  const { items } = await cluster
    .client()
    .list<KubeObject>(resources.pods, cluster.executionNamespace, {
      labelSelector: `roundhouse.dev/workflow-execution=${wfe}`,
    });
  return items;
};

/** An author's pod execution: `dependencies` in the spec, or the catalogued workflow. */
const execution = (dependencies?: Dependencies, workflowId?: string) => {
  const made = manifest({
    engine: 'pod',
    engineConfig: { steps },
    ...(dependencies ? { dependencies } : {}),
  });
  if (workflowId)
    (made.spec as { workflowRef: { workflowId: string } }).workflowRef.workflowId = workflowId;
  return made;
};

describeWithControlPlane('the pod engine and dependencies an author may not read', () => {
  const cluster = podController('pod-deps', {});
  const authors = executionAuthors(cluster.env, cluster.client, 'pod-deps-author');

  it("mounts no opted-in Secret or ConfigMap into the author's steps, whether the spec or the catalog named it: the execution fails saying why and no Pod exists", async () => {
    const alice = await authors.author();
    const denied = await alice.get(resources.secrets, cluster.executionNamespace, 'shared-db').then(
      () => 200,
      (error: { statusCode?: number }) => error.statusCode,
    );
    expect(denied).toBe(403);
    await authors.expectRefused(
      [
        {
          attack: execution({ secrets: [{ name: 'shared-db' }] }),
          reason: 'ConfigurationError',
          field: 'spec.dependencies: the pod engine runs the steps of the execution',
        },
        {
          attack: execution({ configMaps: [{ name: 'shared-config' }] }),
          reason: 'ConfigurationError',
          field: 'ConfigMap shared-config',
        },
        {
          attack: execution(undefined, catalogued),
          reason: 'ConfigurationError',
          field: "the controller's dependency catalog (resolveDependencies) named Secret shared-db",
        },
      ],
      cluster.waitForStoredPhase,
      (name) => podsOf(cluster, name),
    );
  });

  it("runs as a ServiceAccount the policy allows without its token: the author's steps would hold it", async () => {
    const made = manifest({
      engine: 'pod',
      engineConfig: { steps },
      serviceAccountName: 'deployer',
    });
    await authors.create(await authors.author(), made);
    const running = (await cluster.waitForStoredPhase(
      made.metadata.name,
      'Running',
    )) as StoredExecution;
    const pod = (await cluster
      .client()
      .get<V1Pod & KubeObject>(
        resources.pods,
        cluster.executionNamespace,
        running.status?.executionRef?.name as string,
      )) as V1Pod;
    expect(pod.spec).toMatchObject({
      serviceAccountName: 'deployer',
      automountServiceAccountToken: false,
    });
  });
});

describeWithControlPlane('the pod engine with mountDependencies', () => {
  const cluster = podController('pod-deps-on', { mountDependencies: true });
  const authors = executionAuthors(cluster.env, cluster.client, 'pod-deps-on-author');

  it('mounts the Secret the spec or the catalog named, as the operator chose', async () => {
    const alice = await authors.author();
    for (const made of [
      execution({ secrets: [{ name: 'shared-db' }] }),
      execution(undefined, catalogued),
    ]) {
      await authors.create(alice, made);
      const running = (await cluster.waitForStoredPhase(
        made.metadata.name,
        'Running',
      )) as StoredExecution;
      const pod = (await cluster
        .client()
        .get<V1Pod & KubeObject>(
          resources.pods,
          cluster.executionNamespace,
          running.status?.executionRef?.name as string,
        )) as V1Pod;
      expect(pod.spec?.containers[0]?.volumeMounts, made.metadata.name).toContainEqual({
        name: 'secret-shared-db',
        mountPath,
        readOnly: true,
      });
    }
  });
});
