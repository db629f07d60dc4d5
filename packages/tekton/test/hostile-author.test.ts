import type { V1Pod } from '@kubernetes/client-node';
import { Registry, roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithTekton } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { executionAuthors } from '../../../test/support/execution-authors.js';
import {
  type StoredExecution,
  useController,
} from '../../../test/workflowexecution/controller-fixture.js';
import { type Manifest, manifest } from '../../../test/workflowexecution/harness.js';
import { type Bundles, prepareNamespace, pushWorkflows, runningTaskPod } from './tekton.js';

/*
 * What a WorkflowExecution author who may create and read executions in their own namespace,
 * and nothing else, gets out of a controller running the tekton engine: each attack is created
 * by a minted non-admin user against the real API server, a running controller and real Tekton,
 * and the PipelineRun and its pod are read as stored. The PipelineRun's identity (service
 * account, pod template, workspaces) comes only from the operator and from what the policy let
 * through, never from the author's engineConfig or parameters.
 */

const runner = roundhouseConventions.defaultServiceAccountName;

type PipelineRunObject = KubeObject & { spec?: Record<string, unknown> };

describeWithTekton('a hostile WorkflowExecution author on the tekton engine', () => {
  const cluster = useController('wfe-tekton-hostile');
  const { env, client } = cluster;
  let bundles: Bundles;

  beforeAll(async () => {
    const admin = client();
    bundles = await pushWorkflows(env);
    await prepareNamespace(admin, cluster.executionNamespace);
    await admin.create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: 'deployer' },
    });
    // Bound into an execution that names it, it would hand the author its value.
    await admin.create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: 'victim' },
      stringData: { password: 'hunter2' },
    });
    await cluster.start({
      registry: (reader) => new Registry().register(new TektonExecutor(client(), { reader })),
      policy: { bundles: [`${env.tekton.registry}/*`] },
    });
  });

  const authors = executionAuthors(env, client, 'wfe-tekton-hostile-author');
  const { author, create } = authors;

  const runsOf = async (wfe: string) => {
    const { items } = await client().list<PipelineRunObject>(
      resources.pipelineRuns,
      cluster.executionNamespace,
      { labelSelector: `roundhouse.dev/workflow-execution=${wfe}` },
    );
    return items;
  };

  const onTekton = (overrides: Parameters<typeof manifest>[0] = {}) =>
    manifest({
      engine: 'tekton',
      bundle: bundles.holds,
      parameters: { REPLICAS: '1' },
      ...overrides,
    });

  it('cannot run as another ServiceAccount, bind a Secret that did not opt in, or have Tekton expand a parameter: each refused by name, no PipelineRun', async () => {
    const named = onTekton();
    const snapshotAccount: Manifest = {
      ...named,
      spec: {
        ...named.spec,
        workflowRef: { ...named.spec.workflowRef, serviceAccountName: 'deployer' },
      },
    };
    const attacks = [
      {
        attack: onTekton({ serviceAccountName: 'deployer' }),
        reason: 'Forbidden',
        field: 'spec.executionConfig.serviceAccountName',
      },
      {
        // The default runner named outright is a ServiceAccount like any other.
        attack: onTekton({ serviceAccountName: runner }),
        reason: 'Forbidden',
        field: 'spec.executionConfig.serviceAccountName',
      },
      {
        attack: snapshotAccount,
        reason: 'Forbidden',
        field: 'spec.workflowRef.serviceAccountName',
      },
      {
        attack: onTekton({ dependencies: { secrets: [{ name: 'victim' }] } }),
        reason: 'Forbidden',
        field: 'spec.dependencies.secrets',
      },
      ...['$(context.taskRun.serviceAccountName)', '$(tasks.fetch.results.token)', '$(TOKEN)'].map(
        (value) => ({
          attack: onTekton({ parameters: { REPLICAS: value } }),
          reason: 'ConfigurationError',
          field: 'spec.parameters.REPLICAS',
        }),
      ),
    ];
    await authors.expectRefused(attacks, cluster.waitForStoredPhase, runsOf);
  });

  it('gets a PipelineRun, and a task pod, as the default runner with no Secret, whatever its engineConfig asks for', async () => {
    const attack = onTekton({
      engineConfig: {
        serviceAccountName: 'deployer',
        taskRunTemplate: {
          serviceAccountName: 'deployer',
          podTemplate: {
            hostNetwork: true,
            volumes: [{ name: 'loot', secret: { secretName: 'victim' } }],
          },
        },
        taskRunSpecs: [{ pipelineTaskName: 'work', serviceAccountName: 'deployer' }],
        workspaces: [{ name: 'secret-db', secret: { secretName: 'victim' } }],
        params: [{ name: 'REPLICAS', value: '$(context.taskRun.serviceAccountName)' }],
      },
    });
    await create(await author(), attack);
    const running = (await cluster.waitForStoredPhase(
      attack.metadata.name,
      'Running',
    )) as StoredExecution;
    const name = running.status?.executionRef?.name as string;
    const run = await client().get<PipelineRunObject>(
      resources.pipelineRuns,
      cluster.executionNamespace,
      name,
    );
    expect(run?.spec?.taskRunTemplate).toEqual({
      serviceAccountName: runner,
      podTemplate: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      },
    });
    expect(run?.spec).not.toHaveProperty('workspaces');
    expect(run?.spec).not.toHaveProperty('taskRunSpecs');
    expect(run?.spec?.params).toContainEqual({ name: 'REPLICAS', value: '1' });

    const pod = (await runningTaskPod(client(), cluster.executionNamespace, name)) as V1Pod;
    expect(pod.spec?.serviceAccountName).toBe(runner);
    expect(pod.spec?.hostNetwork).toBeUndefined();
    const secrets = (pod.spec?.volumes ?? []).flatMap((v) =>
      v.secret?.secretName ? [v.secret.secretName] : [],
    );
    expect(secrets).not.toContain('victim');
  });
});
