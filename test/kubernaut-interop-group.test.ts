import { randomBytes } from 'node:crypto';
import { InformerCache } from '@roundhouse/controller';
import { ConfigurationError, parseWorkflowExecution, Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
  workflowExecutionApi,
  workflowExecutionCrd,
} from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { presets } from '../examples/workflowexecution-controller/src/presets.js';
import { eventsAbout, manifest, patience } from './workflowexecution/harness.js';

const preset = presets.kubernaut;
const api = workflowExecutionApi(preset.apiGroup);
const kubernautFinalizer = 'workflowexecution.kubernaut.ai/workflowexecution-cleanup';

describeWithControlPlane("serving kubernaut's API group", () => {
  const env = useTestNamespace({ prefix: 'kubernaut-group' });
  const client = () => new KubeClient(env.kubeConfig);
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    // Only kubernaut's group: nothing here is served under roundhouse.dev.
    await ensureWorkflowExecutionCrd(client(), { apiGroup: preset.apiGroup });
  });

  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  /** The controller as the example runs it with `--conventions kubernaut`, on `apiGroup`. */
  async function start(
    spaces: { watchNamespace: string; executionNamespace: string },
    apiGroup: string = preset.apiGroup,
  ) {
    const cache = new InformerCache(env.kubeConfig, { client: client() });
    const registry = new Registry().register(
      new JobExecutor(client(), {
        conventions: preset.conventions,
        podAnnotations: { [podControls.runSeconds]: '1' },
        reader: cache,
      }),
    );
    const { controller } = await createWorkflowExecutionController({
      kubeConfig: env.kubeConfig,
      registry,
      cache,
      ...spaces,
      apiGroup,
      events: preset.events,
      cooldownMs: 1_000,
      workers: 2,
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

  const namespaces = async (prefix: string) => ({
    watchNamespace: await env.controlPlane.createNamespace(`${prefix}-wfe`),
    executionNamespace: await env.controlPlane.createNamespace(`${prefix}-exec`),
  });

  const readWfe = async (namespace: string, name: string) => {
    const object = await client().get<KubeObject>(api.resource, namespace, name);
    return object && parseWorkflowExecution(object);
  };

  it('runs an execution created under kubernaut.ai/v1alpha1 to Completed and releases its lock', async () => {
    const spaces = await namespaces('group-run');
    await start(spaces);
    const wfe = { ...manifest({ target: 'default/deployment/my-app' }) };
    const { object: created } = await client().create(api.resource, spaces.watchNamespace, {
      ...wfe,
      apiVersion: 'kubernaut.ai/v1alpha1',
    });
    const name = created.metadata?.name as string;

    const done = await vi.waitFor(async () => {
      const current = await readWfe(spaces.watchNamespace, name);
      expect(current?.status?.phase).toBe('Completed');
      expect(current?.status?.conditions?.find((c) => c.type === 'LockReleased')?.status).toBe(
        'True',
      );
      return current;
    }, patience);
    // kubernaut's finalizer, as its own controller would have put it there.
    expect(done?.metadata.finalizers).toEqual([kubernautFinalizer]);
    const jobName = done?.status?.executionRef?.name as string;
    await vi.waitFor(
      async () =>
        expect(await client().get(resources.jobs, spaces.executionNamespace, jobName)).toBeNull(),
      patience,
    );
    // kubernaut's Events at every step, on the object as served under kubernaut's group.
    const events = await eventsAbout(client(), spaces.watchNamespace, name);
    expect(events.map((event) => event.reason)).toContain('WorkflowCompleted');
    for (const event of events) {
      expect(
        (event as { involvedObject?: { apiVersion?: string } }).involvedObject?.apiVersion,
      ).toBe('kubernaut.ai/v1alpha1');
    }
  });

  it('finalizes an execution a kubernaut controller left with its finalizer, and lets it go on delete', async () => {
    const spaces = await namespaces('group-left');
    const { object: left } = await client().create(api.resource, spaces.watchNamespace, {
      ...manifest({ target: 'default/deployment/left-app' }),
      apiVersion: 'kubernaut.ai/v1alpha1',
      metadata: { name: 'left-by-kubernaut', finalizers: [kubernautFinalizer] },
    });
    const name = left.metadata?.name as string;
    await client().delete(api.resource, spaces.watchNamespace, name);
    // No controller of this group runs yet: the finalizer holds the object.
    const held = await client().get<KubeObject>(api.resource, spaces.watchNamespace, name);
    expect(held?.metadata?.deletionTimestamp).toBeDefined();

    await start(spaces);
    await vi.waitFor(
      async () => expect(await client().get(api.resource, spaces.watchNamespace, name)).toBeNull(),
      patience,
    );
  });

  it("refuses to start on a CRD that would refuse its status writes, naming the field (kubernaut's failure reasons without Unknown)", async () => {
    const spaces = await namespaces('group-crd');
    // A group of this case's own: swapping the shared kubernaut.ai CRD would fail the start-up
    // check of controllers other files start on it meanwhile (test files share one control plane).
    const group = `kubernaut-${randomBytes(4).toString('hex')}.example.com`;
    const crd = structuredClone(workflowExecutionCrd({ apiGroup: group }));
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema as unknown as {
      properties: {
        status: { properties: { failureDetails: { properties: { reason: object } } } };
      };
    };
    // kubernaut's CRD enumerates these and Unknown, which the controller writes for the
    // ExecutionResourceDeleted it lacks; without Unknown too, no failure reason is left to write.
    schema.properties.status.properties.failureDetails.properties.reason = {
      type: 'string',
      enum: [
        'OOMKilled',
        'DeadlineExceeded',
        'Forbidden',
        'ResourceExhausted',
        'ConfigurationError',
        'ImagePullBackOff',
        'TaskFailed',
        'UnsupportedEngine',
        'Deduplicated',
      ],
    };
    const apply = { strategy: 'apply', force: true } as const;
    await client().patch(
      resources.customResourceDefinitions,
      undefined,
      crd.metadata.name,
      crd,
      apply,
    );
    try {
      const started = start(spaces, group);
      await expect(started).rejects.toThrow(ConfigurationError);
      await expect(started).rejects.toThrow(
        new RegExp(
          `CustomResourceDefinition workflowexecutions\\.${group.replaceAll('.', '\\.')} status\\.failureDetails\\.reason: .*ExecutionResourceDeleted`,
        ),
      );
    } finally {
      await client().delete(resources.customResourceDefinitions, undefined, crd.metadata.name);
    }
  });
});
