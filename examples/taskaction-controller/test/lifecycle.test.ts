import { completedTimeLabelValue } from '@roundhouse/controller';
import { isKubernetesError, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { cachedAction, omittedAnnotationBytesKey } from '../src/cached-action.js';
import { abortFinalizer, taskActions } from '../src/resource.js';
import {
  apply,
  finishPod,
  jobsOf,
  patience,
  read,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

type KubeEvent = KubeObject & {
  involvedObject: { name: string };
  reason: string;
  type: string;
  message: string;
};

describeWithControlPlane('TaskAction controller: lifecycle, validation and events', () => {
  const fixture = useController('ta-life');
  const { env, client, start, stop } = fixture;

  it('runs Queued -> Initializing -> Executing -> Completed, each event recorded before its status', async () => {
    const { writer } = await start();
    const manifest = taskAction({
      taskTemplate: {
        image: 'registry.invalid/task:1',
        command: ['python', '-m', 'task'],
        args: ['--out', '$(TASK_OUTPUT_PREFIX)'],
      },
    });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Executing');
    // The attempt runs the task template's command, handed to the container as written.
    const [job] = await jobsOf(client(), fixture.executionNamespace, `${name}-0`);
    expect(job).toMatchObject({
      spec: {
        template: {
          spec: {
            // The author's command holds no token of the shared runner.
            automountServiceAccountToken: false,
            containers: [
              { command: ['python', '-m', 'task'], args: ['--out', '$$(TASK_OUTPUT_PREFIX)'] },
            ],
          },
        },
      },
    });
    await finishPod(client(), fixture.executionNamespace, `${name}-0`, 0);
    const done = await waitForPhase(client(), env.namespace, name, 'Completed');

    expect(done.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Progressing', 'False', 'Completed'],
      ['Succeeded', 'True', 'Completed'],
    ]);
    const phases = ['Queued', 'Initializing', 'Executing', 'Completed'];
    expect(done.status.phaseHistory?.map((h) => h.phase)).toEqual(phases);
    expect(done.status).toMatchObject({ attempts: 1, systemFailures: 0 });
    expect(done.metadata.finalizers).toContain(abortFinalizer);

    // One event per transition, and each was recorded while the status still showed the
    // phase before it: the event came first.
    const records = writer.of(name);
    expect(records.map((r) => r.event.phase)).toEqual(phases);
    expect(records.map((r) => r.statusPhaseWhenRecorded)).toEqual([
      undefined,
      ...phases.slice(0, -1),
    ]);
    expect(records.map((r) => r.event.attempt)).toEqual([1, 1, 1, 1]);
    // Every event names where its attempt writes its outputs, as Flyte's ActionEvent does.
    for (const { event } of records) {
      expect(event.outputs?.outputUri).toBe(
        `s3://bucket/run1/${manifest.spec.actionName}/1/outputs.pb`,
      );
    }

    // Finished: labelled for garbage collection, and reconciling it again reports nothing new.
    const labelled = await vi.waitFor(async () => {
      const action = await read(client(), env.namespace, name);
      expect(action?.metadata.labels?.['roundhouse.dev/termination-status']).toBe('terminated');
      return action;
    }, patience);
    // The minute it finished, in UTC: its terminal condition's transition time.
    const succeeded = done.status.conditions?.find((c) => c.type === 'Succeeded');
    expect(labelled?.metadata.labels?.['roundhouse.dev/completed-time']).toBe(
      completedTimeLabelValue(new Date(succeeded?.lastTransitionTime as string)),
    );
    expect(labelled?.metadata.labels?.['roundhouse.dev/completed-time']).toMatch(
      /^\d{4}-\d{2}-\d{2}\.\d{2}-\d{2}$/,
    );
    expect(writer.of(name)).toHaveLength(4);
  });

  it('caches an action with only the size of its annotations, and its writes leave them on the API server', async () => {
    const { cache } = await start();
    const manifest = taskAction();
    const name = manifest.metadata.name;
    const annotations = {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(manifest),
      'example.com/note': 'kept',
    };
    manifest.metadata.annotations = annotations;
    await apply(client(), env.namespace, manifest);
    // Executing: the finalizer, Queued, Initializing and Executing all written from the cache.
    const executing = await waitForPhase(client(), env.namespace, name, 'Executing');
    expect(executing.metadata.annotations).toEqual(annotations);
    expect(executing.metadata.finalizers).toContain(abortFinalizer);
    const cached = cache
      .informerFor(taskActions, { namespace: env.namespace, transform: cachedAction })
      .get(env.namespace, name);
    expect(cached?.metadata?.uid).toBe(executing.metadata.uid);
    expect(cached?.metadata?.annotations).toEqual({
      [omittedAnnotationBytesKey]: expect.stringMatching(/^\d+$/),
    });
    const stored = await client().get<KubeObject>(taskActions, env.namespace, name);
    expect(cached).toHaveProperty('spec', stored?.spec);
  });

  it('fails a spec with missing fields as InvalidSpec naming each one, without a finalizer', async () => {
    const { writer } = await start();
    const manifest = taskAction({
      taskType: undefined,
      inputUri: undefined,
      taskTemplate: undefined,
    });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    const failed = await waitForPhase(client(), env.namespace, name, 'InvalidSpec');
    const failedCondition = failed.status.conditions?.find((c) => c.type === 'Failed');
    expect(failedCondition).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    for (const field of ['spec.taskType', 'spec.inputUri', 'spec.taskTemplate']) {
      expect(failedCondition?.message).toContain(`${field}: is required`);
    }
    expect(failed.status.errorState).toMatchObject({ code: 'InvalidSpec', kind: 'USER' });
    expect(failed.metadata.finalizers ?? []).not.toContain(abortFinalizer);
    expect(writer.of(name).map((r) => r.event.phase)).toEqual(['InvalidSpec']);
    // Nothing holds it: a delete takes it away at once, controller or not.
    await stop();
    await client().delete(taskActions, env.namespace, name);
    expect(await read(client(), env.namespace, name)).toBeNull();
  });

  it('fails an action whose task type no engine runs as PluginNotFound, and runs nothing', async () => {
    await start();
    const manifest = taskAction({ taskType: 'spark' });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    const failed = await waitForPhase(client(), env.namespace, name, 'PluginNotFound');
    expect(failed.status.errorState?.message).toContain('task type "spark"');
    expect(failed.metadata.finalizers ?? []).not.toContain(abortFinalizer);
    expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
  });

  it('fails an action whose image --allowed-images does not allow as InvalidSpec, and runs nothing', async () => {
    const { writer } = await start();
    const manifest = taskAction({ taskTemplate: { image: 'registry.example.com/task:1' } });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    const failed = await waitForPhase(client(), env.namespace, name, 'InvalidSpec');
    expect(failed.status.errorState).toEqual({
      code: 'InvalidSpec',
      kind: 'USER',
      message:
        'spec.taskTemplate.image: image "registry.example.com/task:1" is not among the images this controller runs (registry.invalid/*); use an allowed image, or ask the operator to add it to --allowed-images',
    });
    expect(failed.metadata.finalizers ?? []).not.toContain(abortFinalizer);
    expect(writer.of(name).map((r) => r.event.phase)).toEqual(['InvalidSpec']);
    expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
  });

  it('judges the image of an action created with the finalizer already set, and runs nothing', async () => {
    const { writer } = await start();
    const manifest = taskAction({ taskTemplate: { image: 'registry.example.com/task:1' } });
    const name = manifest.metadata.name;
    // Any author may set a finalizer at create: it must not pass for admission.
    await apply(client(), env.namespace, {
      ...manifest,
      metadata: { ...manifest.metadata, finalizers: [abortFinalizer] },
    });
    const failed = await waitForPhase(client(), env.namespace, name, 'InvalidSpec');
    expect(failed.status.errorState?.message).toMatch(/^spec\.taskTemplate\.image: /);
    expect(writer.of(name).map((r) => r.event.phase)).toEqual(['InvalidSpec']);
    expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
    // Its finalizer is the author's; deleting the action still needs no more than the controller.
    await client().delete(taskActions, env.namespace, name);
    await vi.waitFor(
      async () => expect(await read(client(), env.namespace, name)).toBeNull(),
      patience,
    );
  });

  it('the API server refuses an image that is no OCI reference, naming the field', async () => {
    const refused = await apply(
      client(),
      env.namespace,
      taskAction({ taskTemplate: { image: 'Registry.invalid/Task:1' } }),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isKubernetesError(refused, 'Invalid')).toBe(true);
    expect(String(refused)).toMatch(/spec\.taskTemplate\.image/);
  });

  it('advances no status while the event sink fails, then records one event per transition', async () => {
    const { writer } = await start({ pod: { runSeconds: 0 } });
    writer.failing = true;
    const manifest = taskAction();
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await vi.waitFor(() => expect(writer.failures).toBeGreaterThanOrEqual(3), patience);
    // Every try to record Queued failed, so Queued was never written and nothing was launched.
    const waiting = await read(client(), env.namespace, name);
    expect(waiting?.status.conditions ?? []).toEqual([]);
    expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]);
    // Shown on the action as Flyte's executor shows it: one Event, however many tries failed.
    const published = async () => {
      const { items } = await client().list<KubeEvent>(resources.events, env.namespace);
      return items.filter(
        (e) => e.involvedObject.name === name && e.reason === 'ActionEventPublishFailed',
      );
    };
    await vi.waitFor(async () => expect(await published()).toHaveLength(1), patience);
    expect((await published())[0]).toMatchObject({
      type: 'Warning',
      message: expect.stringContaining('Queued'),
    });

    writer.failing = false;
    const done = await waitForPhase(client(), env.namespace, name, 'Completed');
    const history = done.status.phaseHistory?.map((h) => h.phase);
    expect(history?.[0]).toBe('Queued');
    expect(writer.of(name).map((r) => r.event.phase)).toEqual(history);
  });
});
