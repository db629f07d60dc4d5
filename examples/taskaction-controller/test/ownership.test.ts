import { phaseOf } from '@roundhouse/controller';
import { conventionKeys, executionResourceName, roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { taskActions } from '../src/resource.js';
import {
  apply,
  finishPod,
  patience,
  read,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

const keys = conventionKeys(roundhouseConventions);

/**
 * What is an action's and what only looks like it: a Job someone else made under an attempt's
 * name and labels, and the Jobs of an action that went without its finalizer's abort.
 */
describeWithControlPlane('TaskAction controller: the Jobs an action owns', () => {
  const fixture = useController('ta-own');
  const { env, client, start, stop } = fixture;

  /** The name of the Job of attempt `attempt` of the action `name`: its lock. */
  const jobName = (name: string, attempt: number) =>
    executionResourceName(
      `${env.namespace}/taskaction/${name}-${attempt - 1}`,
      roundhouseConventions.namePrefix,
    );

  const readJob = (name: string) =>
    client().get<KubeObject>(resources.jobs, fixture.executionNamespace, name);

  const gone = (name: string) =>
    vi.waitFor(async () => expect(await read(client(), env.namespace, name)).toBeNull(), patience);

  it("fails an action whose next attempt's name another's Job holds, as a ResourceConflict, neither adopting nor deleting that Job", async () => {
    await start();
    const manifest = taskAction({ taskTemplate: { image: 'registry.invalid/task:1', retries: 1 } });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Executing');
    // Under the name of attempt 2, labelled as it and recording a uid, as the controller's own
    // Jobs are; suspended, so it runs nothing.
    const decoyJob: KubeObject = {
      metadata: {
        name: jobName(name, 2),
        labels: {
          [keys.workflowExecutionLabel]: `${name}-1`,
          [keys.sourceNamespaceLabel]: env.namespace,
        },
        annotations: {
          [keys.workflowExecutionUidAnnotation]: 'made-up',
          [keys.targetResourceAnnotation]: `${env.namespace}/taskaction/${name}-1`,
        },
      },
      spec: {
        suspend: true,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'decoy', image: 'registry.invalid/decoy:1' }],
          },
        },
      },
    };
    const { object: decoy } = await client().create(
      resources.jobs,
      fixture.executionNamespace,
      decoyJob,
    );
    await finishPod(client(), fixture.executionNamespace, `${name}-0`, 1);

    const failed = await waitForPhase(client(), env.namespace, name, 'PermanentFailure');
    expect(failed.status.errorState).toMatchObject({ code: 'ResourceConflict', kind: 'SYSTEM' });
    expect(failed.status.errorState?.message).toContain(
      `Job ${fixture.executionNamespace}/${jobName(name, 2)}`,
    );
    expect(failed.status.attempts).toBe(2);

    await client().delete(taskActions, env.namespace, name);
    await gone(name);
    const left = await readJob(jobName(name, 2));
    expect(left?.metadata?.uid).toBe(decoy.metadata?.uid);
    expect(left?.metadata?.deletionTimestamp).toBeUndefined();
    expect(left?.spec).toMatchObject({ suspend: true });
  });

  it('deletes, once started again, the Jobs of actions deleted while it was down with their finalizer removed by hand, and runs the action created again under one of their names', async () => {
    await start();
    const dropped = taskAction();
    const recreated = taskAction();
    for (const manifest of [dropped, recreated]) {
      await apply(client(), env.namespace, manifest);
      await waitForPhase(client(), env.namespace, manifest.metadata.name, 'Executing');
    }
    const before = new Map<string, string | undefined>();
    for (const { metadata } of [dropped, recreated]) {
      before.set(metadata.name, (await readJob(jobName(metadata.name, 1)))?.metadata?.uid);
    }
    await stop();

    // What an operator does to delete an action while no controller runs (Flyte #7926).
    for (const { metadata } of [dropped, recreated]) {
      await client().patch(
        taskActions,
        env.namespace,
        metadata.name,
        { metadata: { finalizers: null } },
        { strategy: 'merge' },
      );
      await client().delete(taskActions, env.namespace, metadata.name);
      await gone(metadata.name);
    }
    await apply(client(), env.namespace, taskAction(recreated.spec, recreated.metadata.name));

    await start();
    await vi.waitFor(async () => {
      const job = await readJob(jobName(dropped.metadata.name, 1));
      expect(job === null || job.metadata?.deletionTimestamp !== undefined).toBe(true);
    }, patience);
    // Its error, if any, is what a failure of this test shows.
    const running = await vi.waitFor(async () => {
      const action = await read(client(), env.namespace, recreated.metadata.name);
      const status = action?.status;
      expect([status && phaseOf(status), status?.errorState]).toEqual(['Executing', undefined]);
      return action as NonNullable<typeof action>;
    }, patience);
    const job = await readJob(jobName(recreated.metadata.name, 1));
    expect(job?.metadata?.uid).not.toBe(before.get(recreated.metadata.name));
    expect(job?.metadata?.annotations?.[keys.workflowExecutionUidAnnotation]).toBe(
      running.metadata.uid,
    );
  });
});
