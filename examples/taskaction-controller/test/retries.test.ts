import { Informer } from '@roundhouse/controller';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import { apply, jobsOf, patience, taskAction, useController, waitForPhase } from './harness.js';

const ownerLabel = 'roundhouse.dev/workflow-execution';

type JobSpec = {
  template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } };
};

describeWithControlPlane('TaskAction controller: the two retry budgets', () => {
  const fixture = useController('ta-retry');
  const { env, client, start } = fixture;
  let jobs: Informer<KubeObject> | undefined;

  afterEach(async () => {
    await jobs?.stop();
    jobs = undefined;
  });

  it("runs attempts 1, 2 and 3 of a failing task as <name>-0, -1, -2, each aborted before the next, then the last attempt's own failure", async () => {
    // Every Job created, in order, with the attempts whose Jobs were still live at that moment
    // and the previous attempt's checkpoint the Job is handed.
    const created: { attempt: string; liveBefore: string[]; checkpoint?: string }[] = [];
    jobs = new Informer<KubeObject>(env.kubeConfig, resources.jobs, {
      client: client(),
      namespace: fixture.executionNamespace,
    });
    jobs.on('add', (job) => {
      const live = jobs
        ?.list()
        .filter((j) => j !== job && !j.metadata?.deletionTimestamp)
        .map((j) => j.metadata?.labels?.[ownerLabel] ?? '?');
      const env: { name: string; value?: string }[] =
        (job.spec as JobSpec | undefined)?.template?.spec?.containers?.[0]?.env ?? [];
      const checkpoint = env.find((e) => e.name === 'TASK_PREVIOUS_CHECKPOINT')?.value;
      created.push({
        attempt: job.metadata?.labels?.[ownerLabel] ?? '?',
        liveBefore: live ?? [],
        ...(checkpoint ? { checkpoint } : {}),
      });
    });
    await jobs.start();
    const { writer } = await start({ pod: { runSeconds: 0, exitCode: 3 } });
    const manifest = taskAction({
      taskTemplate: { image: 'registry.invalid/task:1', retries: 2 },
    });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);

    const failed = await waitForPhase(client(), env.namespace, name, 'PermanentFailure');
    expect(failed.status).toMatchObject({
      attempts: 3,
      errorState: { code: 'TaskFailed', kind: 'USER' },
    });
    expect(failed.status.errorState?.message).toContain('exited with code 3');
    const base = `s3://bucket/run1/${manifest.spec.actionName}`;
    expect(created).toEqual([
      { attempt: `${name}-0`, liveBefore: [] },
      { attempt: `${name}-1`, liveBefore: [], checkpoint: `${base}/1/checkpoint` },
      { attempt: `${name}-2`, liveBefore: [], checkpoint: `${base}/2/checkpoint` },
    ]);
    const events = writer.of(name).map((r) => r.event);
    expect([...new Set(events.map((e) => e.attempt))]).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.phase === 'RetryableFailure').map((e) => e.attempt)).toEqual([
      1, 2,
    ]);
    expect(events.at(-1)).toMatchObject({ phase: 'PermanentFailure', attempt: 3 });
    for (const event of events) {
      expect(event.outputs?.outputUri).toBe(
        `s3://bucket/run1/${manifest.spec.actionName}/${event.attempt}/outputs.pb`,
      );
    }
  });

  it('fails after 3 system failures in a row without using an attempt: a create refused every time', async () => {
    // The executor writes as a user who may not create Jobs: every create is Forbidden. It may
    // read and delete pods, as the job engine's cleanup does for a Job it finds gone.
    const rbac = (kind: string, plural: string) => ({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind,
      plural,
      namespaced: true,
    });
    const name0 = 'nobody';
    await client().create(rbac('Role', 'roles'), fixture.executionNamespace, {
      metadata: { name: name0 },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] }],
    } as KubeObject);
    await client().create(rbac('RoleBinding', 'rolebindings'), fixture.executionNamespace, {
      metadata: { name: name0 },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: name0 },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: name0 }],
    } as KubeObject);
    const nobody = new KubeClient(await env.userKubeConfig(name0));
    const { writer } = await start({ executorClient: nobody });
    const manifest = taskAction({ taskTemplate: { image: 'registry.invalid/task:1', retries: 5 } });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);

    const failed = await waitForPhase(client(), env.namespace, name, 'PermanentFailure');
    expect(failed.status).toMatchObject({
      attempts: 1,
      systemFailures: 4,
      errorState: { code: 'MaxSystemFailuresExceeded', kind: 'SYSTEM' },
    });
    expect(failed.status.errorState?.message).toMatch(/RuntimeFailure: .*forbidden/);
    const failures = writer
      .of(name)
      .map((r) => r.event)
      .filter((e) => e.phase === 'RetryableFailure');
    expect(failures.map((e) => [e.systemFailures, e.errorState?.code])).toEqual([
      [1, 'RuntimeFailure'],
      [2, 'RuntimeFailure'],
      [3, 'RuntimeFailure'],
    ]);
  });

  it('relaunches the same attempt when its Job is deleted from outside, and resets the count once it runs again', async () => {
    const { writer } = await start();
    const manifest = taskAction({ taskTemplate: { image: 'registry.invalid/task:1', retries: 2 } });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Executing');
    const [first] = await jobsOf(client(), fixture.executionNamespace, `${name}-0`);
    await client().delete(
      resources.jobs,
      fixture.executionNamespace,
      first?.metadata?.name as string,
      {
        propagationPolicy: 'Background',
      },
    );

    const relaunched = await vi.waitFor(async () => {
      const jobs = await jobsOf(client(), fixture.executionNamespace, `${name}-0`);
      const fresh = jobs.filter((job) => job.metadata?.uid !== first?.metadata?.uid);
      expect(fresh).toHaveLength(1);
      return fresh[0];
    }, patience);
    expect(relaunched?.metadata?.name).toBe(first?.metadata?.name);
    await vi.waitFor(() => {
      const events = writer.of(name).map((r) => r.event);
      expect(events.at(-1)).toMatchObject({ phase: 'Executing', systemFailures: 0 });
      expect(events.filter((e) => e.phase === 'Executing')).toHaveLength(2);
    }, patience);
    const events = writer.of(name).map((r) => r.event);
    expect(events.map((e) => [e.phase, e.attempt, e.systemFailures, e.errorState?.code])).toEqual([
      ['Queued', 1, 0, undefined],
      ['Initializing', 1, 0, undefined],
      ['Executing', 1, 0, undefined],
      ['RetryableFailure', 1, 1, 'ResourceDeletedExternally'],
      ['Queued', 1, 1, 'ResourceDeletedExternally'],
      ['Initializing', 1, 1, 'ResourceDeletedExternally'],
      ['Executing', 1, 0, 'ResourceDeletedExternally'],
    ]);
    expect(events.find((e) => e.phase === 'RetryableFailure')?.errorState?.kind).toBe('SYSTEM');
    const running = await waitForPhase(client(), env.namespace, name, 'Executing');
    expect(running.status).toMatchObject({ attempts: 1, systemFailures: 0 });
    expect(await jobsOf(client(), fixture.executionNamespace, `${name}-1`)).toEqual([]);
  });

  it('ends the delete/recreate loop on a gracefully deleted Job after the cap (Flyte #8066)', async () => {
    const executorClient = new KubeClient(env.kubeConfig);
    const create = vi.spyOn(executorClient, 'create');
    const { writer } = await start({ executorClient });
    const manifest = taskAction({ taskTemplate: { image: 'registry.invalid/task:1', retries: 2 } });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Executing');

    // Deleted gracefully: a finalizer keeps the Job, with a deletionTimestamp, for as long as
    // the test wants, as a pod whose container does not exit keeps a pod.
    const hold = 'test.roundhouse.dev/hold';
    const [job] = await vi.waitFor(async () => {
      const found = await client().list<KubeObject>(resources.jobs, fixture.executionNamespace, {
        labelSelector: `${ownerLabel}=${name}-0`,
      });
      expect(found.items).toHaveLength(1);
      return found.items;
    }, patience);
    const jobName = job?.metadata?.name as string;
    await client().patch(resources.jobs, fixture.executionNamespace, jobName, {
      metadata: { finalizers: [hold] },
    });
    await client().delete(resources.jobs, fixture.executionNamespace, jobName);
    try {
      const failed = await waitForPhase(client(), env.namespace, name, 'PermanentFailure');
      expect(failed.status).toMatchObject({
        attempts: 1,
        systemFailures: 4,
        errorState: { code: 'MaxSystemFailuresExceeded', kind: 'SYSTEM' },
      });
      // It never tried to create a Job over the one being deleted: one create, the first.
      expect(create.mock.calls.filter(([type]) => type === resources.jobs)).toHaveLength(1);
      const codes = writer
        .of(name)
        .map((r) => r.event)
        .filter((e) => e.phase === 'RetryableFailure')
        .map((e) => e.errorState?.code);
      expect(codes).toEqual([
        'UnexpectedObjectDeletion',
        'ResourceNotReleased',
        'ResourceNotReleased',
      ]);
    } finally {
      await client().patch(resources.jobs, fixture.executionNamespace, jobName, {
        metadata: { finalizers: null },
      });
    }
  });
});
