import { kubernautConventions, parseWorkflowExecution, Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { buildPipelineRun, defaultPipelineName, TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import {
  conventionsOf,
  parseCommandLine,
} from '../../examples/workflowexecution-controller/src/config.js';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

/** The example controller's settings for `argv`, as its command line reads them. */
function configOf(argv: string[]) {
  const line = parseCommandLine(argv, {});
  if (line.help) throw new Error('asked for help');
  return line.config;
}

describeWithControlPlane('WorkflowExecution Events under each preset (DD-EVENT-001)', () => {
  const cluster = useController('wfe-events');
  const { env, client } = cluster;

  /**
   * Starts the controller the example's command line describes, its Jobs running 1 s; with
   * `tekton`, its PipelineRuns too (over Tekton's CRDs, installed first).
   */
  async function start(argv: string[], tekton = false) {
    const config = configOf(argv);
    const conventions = conventionsOf(config);
    if (tekton) await env.installTektonCrds();
    const settings = {
      registry: (reader: Reader) => {
        const registry = new Registry().register(
          new JobExecutor(new KubeClient(env.kubeConfig), {
            conventions,
            podAnnotations: { [podControls.runSeconds]: '1' },
            reader,
          }),
        );
        if (!tekton) return registry;
        return registry.register(
          new TektonExecutor(new KubeClient(env.kubeConfig), { conventions, reader }),
        );
      },
      cooldownMs: 1_000,
      // The harness passes every other option on to createWorkflowExecutionController.
      events: config.events,
    };
    return cluster.start(settings);
  }

  /** `<type> <reason>: <message>` of the execution's Events, in the order they were created. */
  async function eventsOf(name: string): Promise<string[]> {
    const { items } = await client().list<KubeObject>(resources.events, env.namespace);
    const events = items as (KubeObject & {
      involvedObject?: { name?: string };
      type?: string;
      reason?: string;
      message?: string;
    })[];
    // One API server: each create takes the next etcd revision, so this is creation order
    // (firstTimestamp has whole seconds only, too coarse for Events a few ms apart).
    return events
      .filter((event) => event.involvedObject?.name === name)
      .sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion))
      .map((event) => `${event.type} ${event.reason}: ${event.message}`);
  }

  async function runToRelease(name: string) {
    const wfe = await cluster.apply(manifest({ name }));
    const done = await cluster.waitForPhase(name, 'Completed');
    await vi.waitFor(async () => {
      const current = await client().get<KubeObject>(workflowExecutions, env.namespace, name);
      expect(JSON.stringify(current?.status)).toContain('"LockReleased"');
    }, patience);
    return { wfe, done };
  }

  it("IT-WE-095-01: --conventions kubernaut records kubernaut's Events of a Job through to Completed in order; the roundhouse preset records only its outcome", async () => {
    const kubernaut = await start(['--conventions=kubernaut']);
    const { wfe, done } = await runToRelease('kubernaut-preset');
    const target = wfe.spec.targetResource;
    const job = done.status?.executionRef?.name as string;
    const lifecycle = [
      `Normal WorkflowValidated: Workflow spec validated: restart-app (target: ${target})`,
      `Normal ExecutionCreated: Created job execution resource ${cluster.executionNamespace}/${job}`,
      'Normal PhaseTransition: Phase transition: Pending → Running',
      `Normal WorkflowCompleted: Workflow restart-app completed successfully in ${done.status?.duration}`,
      'Normal PhaseTransition: Phase transition: Running → Completed',
      `Normal LockReleased: Lock released for ${target} after cooldown`,
    ];
    await vi.waitFor(async () => expect(await eventsOf(wfe.metadata.name)).toEqual(lifecycle), {
      timeout: 10_000,
      interval: 200,
    });
    await client().delete(workflowExecutions, env.namespace, wfe.metadata.name);
    await vi.waitFor(
      async () =>
        expect(await client().get(workflowExecutions, env.namespace, wfe.metadata.name)).toBeNull(),
      patience,
    );
    expect(await eventsOf(wfe.metadata.name)).toEqual([
      ...lifecycle,
      'Normal WorkflowExecutionDeleted: WorkflowExecution cleanup completed (phase: Completed)',
    ]);
    await kubernaut.stop();

    await start([]);
    const roundhouse = await runToRelease('roundhouse-preset');
    await vi.waitFor(
      async () =>
        expect(await eventsOf(roundhouse.wfe.metadata.name)).toEqual([
          `Normal LockReleased: Lock released for ${roundhouse.wfe.spec.targetResource} after cooldown`,
        ]),
      { timeout: 10_000, interval: 200 },
    );
  });

  it("IT-WE-095-05: --conventions kubernaut reports a PipelineRun of the execution's that was there already as kubernaut's race path: PipelineRunCreated alone, and its words in ExecutionCreated", async () => {
    await start(['--conventions=kubernaut'], true);
    const written = manifest({ name: 'raced', engine: 'tekton' });
    // What kubernaut's own controller creates for this execution: its labels, no uid.
    const run = buildPipelineRun(
      parseWorkflowExecution({
        ...written,
        metadata: { ...written.metadata, namespace: env.namespace },
      }),
      cluster.executionNamespace,
      undefined,
      {
        conventions: kubernautConventions,
        pipelineName: defaultPipelineName,
        serviceAccountName: kubernautConventions.defaultServiceAccountName,
      },
    );
    // Held pending, so a real Tekton beside the control plane never runs it.
    await client().create<KubeObject>(resources.pipelineRuns, cluster.executionNamespace, {
      ...run,
      spec: { ...run.spec, status: 'PipelineRunPending' },
    });
    const wfe = await cluster.apply(written);
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    expect(running.status?.executionRef?.name).toBe(run.metadata.name);
    expect(running.status?.conditions).toContainEqual(
      expect.objectContaining({
        type: 'ExecutionCreated',
        status: 'True',
        message: `PipelineRun ${run.metadata.name} already exists (race condition)`,
      }),
    );
    await vi.waitFor(
      async () =>
        expect(await eventsOf(wfe.metadata.name)).toEqual([
          `Normal WorkflowValidated: Workflow spec validated: restart-app (target: ${wfe.spec.targetResource})`,
          `Normal PipelineRunCreated: PipelineRun ${cluster.executionNamespace}/${run.metadata.name} (already exists, ours)`,
        ]),
      { timeout: 10_000, interval: 200 },
    );
  });
});
