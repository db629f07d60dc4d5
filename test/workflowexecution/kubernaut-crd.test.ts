import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InformerCache } from '@roundhouse/controller';
import { ConfigurationError, Registry, type WorkflowExecutionStatus } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import {
  checkWorkflowExecutionCrd,
  createWorkflowExecutionController,
  workflowExecutionApi,
} from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { presets } from '../../examples/workflowexecution-controller/src/presets.js';
import { patience } from './harness.js';

/*
 * kubernaut's own WorkflowExecution CRD, as a user migrating to a Roundhouse controller keeps
 * it, installed under a group of this file's own (test files share one control plane, and
 * others install this package's CRD under kubernaut.ai).
 */
const group = `kubernaut-${randomBytes(4).toString('hex')}.example.com`;
const api = workflowExecutionApi(group);
const crdName = `${api.resource.plural}.${group}`;
const preset = presets.kubernaut;

/** kubernaut's CRD under `group`, its failure reasons with `extraReasons` added. */
function kubernautCrd(extraReasons: readonly string[] = []) {
  const crd = parse(
    readFileSync(new URL('./kubernaut-workflowexecutions-crd.yaml', import.meta.url), 'utf8'),
  );
  crd.metadata.name = crdName;
  crd.spec.group = group;
  const reason =
    crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.failureDetails
      .properties.reason;
  reason.enum = [...reason.enum, ...extraReasons];
  return crd as KubeObject;
}

describeWithControlPlane("kubernaut's own CRD", () => {
  const env = useTestNamespace({ prefix: 'kubernaut-crd' });
  const client = () => new KubeClient(env.kubeConfig);
  let spaces: { watchNamespace: string; executionNamespace: string };
  const stops: (() => Promise<void>)[] = [];

  async function install(crd: KubeObject) {
    await client().patch(resources.customResourceDefinitions, undefined, crdName, crd, {
      strategy: 'apply',
      force: true,
    });
    await vi.waitFor(
      async () => expect(await client().isServed(api.resource)).toBe(true),
      patience,
    );
  }

  beforeAll(async () => {
    spaces = {
      watchNamespace: await env.controlPlane.createNamespace('kcrd-wfe'),
      executionNamespace: await env.controlPlane.createNamespace('kcrd-exec'),
    };
  });

  afterAll(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await client().delete(resources.customResourceDefinitions, undefined, crdName);
  });

  /** The controller as the example runs it with `--conventions kubernaut`, on `group`. */
  async function start() {
    const cache = new InformerCache(env.kubeConfig, { client: client() });
    const registry = new Registry().register(
      new JobExecutor(client(), {
        conventions: preset.conventions,
        // Every Job runs until it is stopped or deleted: each case here fails it.
        podAnnotations: { [podControls.runSeconds]: '600' },
        reader: cache,
      }),
    );
    const { controller } = await createWorkflowExecutionController({
      kubeConfig: env.kubeConfig,
      registry,
      cache,
      ...spaces,
      apiGroup: group,
      // As under kubernaut.ai, whose CRD this is: one of this file's own group needs it said.
      engineRequired: true,
      events: preset.events,
      cooldownMs: 1_000,
      workers: 2,
      lockPolicy: 'fail',
      policy: { bundles: ['registry.invalid/*'] },
    });
    const abort = new AbortController();
    const running = controller.start(abort.signal);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    stops.push(async () => {
      abort.abort();
      await running;
    });
  }

  /** An execution as kubernaut's RemediationOrchestrator creates it; `engine: null` names none. */
  async function create(
    name: string,
    targetResource: string,
    extra: { engine?: string | null; timesOutAt?: string } = {},
  ) {
    await client().create(api.resource, spaces.watchNamespace, {
      apiVersion: `${group}/v1alpha1`,
      kind: 'WorkflowExecution',
      metadata: { name },
      spec: {
        remediationRequestRef: {
          apiVersion: 'kubernaut.ai/v1alpha1',
          kind: 'RemediationRequest',
          name: `rr-${name}`,
          namespace: spaces.watchNamespace,
        },
        targetResource,
        ...(extra.timesOutAt ? { timesOutAt: extra.timesOutAt } : {}),
        workflowRef: {
          workflowId: 'restart-app',
          workflowName: 'restart-app',
          actionType: 'RestartPod',
          version: '1',
          executionBundle: 'registry.invalid/restart:1',
          ...(extra.engine === null ? {} : { executionEngine: extra.engine ?? 'job' }),
        },
      },
    });
  }

  // The status only: one case's spec is one no parse accepts.
  const read = async (name: string) =>
    (await client().get<KubeObject & { status?: WorkflowExecutionStatus }>(
      api.resource,
      spaces.watchNamespace,
      name,
    )) ?? undefined;

  /** Waits for `name` to be Failed for `reason`, with every field kubernaut's CRD requires. */
  async function failed(name: string, reason: string) {
    const done = await vi.waitFor(async () => {
      const current = await read(name);
      expect(current?.status?.phase).toBe('Failed');
      return current;
    }, patience);
    expect(done?.status?.failureDetails).toMatchObject({
      reason,
      failedTaskName: '',
      failedTaskIndex: 0,
    });
    return done;
  }

  it('takes the CRD as it ships: the failure reason it lacks is written as Unknown, which it lists', async () => {
    await install(kubernautCrd());
    await expect(checkWorkflowExecutionCrd(client(), { apiGroup: group })).resolves.toEqual({
      unlistedFailureReasons: ['ExecutionResourceDeleted'],
    });
    await start();
  });

  it('refuses to start on a group other than its own when it may not read the CRD, naming the RBAC rule; its own group starts unchecked', async () => {
    const nobody = await env.userKubeConfig('kubernaut-crd-nobody');
    const starting = (apiGroup: string | undefined) =>
      createWorkflowExecutionController({
        kubeConfig: nobody,
        registry: new Registry(),
        ...spaces,
        ...(apiGroup ? { apiGroup } : {}),
      });
    const refused = starting(group);
    await expect(refused).rejects.toThrow(ConfigurationError);
    await expect(refused).rejects.toMatchObject({
      issues: [
        {
          path: `CustomResourceDefinition ${crdName}`,
          message: expect.stringContaining(
            `grant get on customresourcedefinitions (apiGroups: apiextensions.k8s.io, resourceNames: ${crdName})`,
          ),
        },
      ],
    });
    // The base RBAC reads no CRD: under its own group the controller starts as it did.
    await expect(starting(undefined)).resolves.toBeDefined();
  });

  it('ends Failed every failure that has no engine result, its status admitted by that CRD', async () => {
    // ConfigurationError: a target no parse of the spec accepts, which kubernaut's CRD admits.
    await create('bad-target', 'not-a-target');
    // ConfigurationError: no engine at all, which kubernaut's CRD admits and its controller
    // refuses (UT-WE-1661-011-002): run as tekton it would be a workflow kubernaut never runs.
    await create('undeclared', `${spaces.watchNamespace}/deployment/undeclared`, { engine: null });
    // UnsupportedEngine: an engine kubernaut's CRD enumerates that this controller lacks.
    await create('no-engine', `${spaces.watchNamespace}/deployment/no-engine`, {
      engine: 'tekton',
    });
    // DeadlineExceeded: stopped at its deadline, its Job's status never read as finished.
    await create('overdue', `${spaces.watchNamespace}/deployment/overdue`, {
      timesOutAt: new Date(Date.now() + 15_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    // Deduplicated: a target another execution holds, with lockPolicy fail.
    const held = `${spaces.watchNamespace}/deployment/held`;
    await create('holder', held);
    const holder = await vi.waitFor(async () => {
      const current = await read('holder');
      expect(current?.status?.phase).toBe('Running');
      return current;
    }, patience);
    await create('second', held);

    expect((await failed('bad-target', 'ConfigurationError'))?.status?.failureReason).toBe(
      'ConfigurationError',
    );
    await failed('no-engine', 'UnsupportedEngine');
    const undeclared = await failed('undeclared', 'ConfigurationError');
    expect(undeclared?.status?.failureDetails?.message).toBe(
      `spec.workflowRef.executionEngine: execution engine not declared for WFE ${spaces.watchNamespace}/undeclared — expected on spec.workflowRef at creation time`,
    );
    expect((await failed('second', 'Deduplicated'))?.status?.deduplicatedBy).toBe('holder');
    // Its Job deleted while it runs: ExecutionResourceDeleted, which this CRD lacks, so Unknown
    // as kubernaut writes it (BR-WE-007: the message says the resource was deleted).
    const job = holder?.status?.executionRef?.name as string;
    await client().delete(resources.jobs, spaces.executionNamespace, job, {
      propagationPolicy: 'Background',
    });
    expect((await failed('holder', 'Unknown'))?.status?.failureDetails).toMatchObject({
      message: `job execution resource ${spaces.executionNamespace}/${job} was deleted while the workflow was running`,
      wasExecutionFailure: false,
    });
    await failed('overdue', 'DeadlineExceeded');
  });
});
