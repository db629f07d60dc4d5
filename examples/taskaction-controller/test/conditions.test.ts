import { isKubernetesError } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { ensureTaskActionCrd } from '../src/install.js';
import { taskActions } from '../src/resource.js';
import { SignalRefusedError, signalTaskAction } from '../src/signal.js';
import {
  apply,
  conditionAction,
  jobsOf,
  patience,
  read,
  useController,
  waitForPhase,
} from './harness.js';

describeWithControlPlane('TaskAction controller: condition actions (human in the loop)', () => {
  const fixture = useController('ta-cond');
  const { env, client, start } = fixture;

  const signal = (name: string, value: string, by = 'alice') =>
    signalTaskAction(client(), env.namespace, name, { value, by });

  /** A write that bypasses signalTaskAction, as `kubectl patch --subresource=status` would. */
  const writeSignalDirectly = (name: string, signalValue: string) =>
    client().patch(
      taskActions,
      env.namespace,
      name,
      { status: { signalValue } },
      { strategy: 'merge', subresource: 'status' },
    );

  const refusedWith = async (promise: Promise<unknown>, reason: string) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SignalRefusedError);
    expect((error as SignalRefusedError).reason).toBe(reason);
  };

  const invalid = async (promise: Promise<unknown>, message: string) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKubernetesError(error, 'Invalid')).toBe(true);
    expect((error as Error).message).toContain(message);
  };

  it('is Paused on create with no finalizer and nothing launched, then Signaled by a signal', async () => {
    const { writer } = await start();
    const manifest = conditionAction({ name: 'approve', type: 'boolean', prompt: 'Ship it?' });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);

    const paused = await waitForPhase(client(), env.namespace, name, 'Paused');
    expect(paused.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Progressing', 'True', 'Paused', 'waiting for signal'],
    ]);
    expect(paused.metadata.finalizers).toBeUndefined();
    expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]);

    // Not of the declared type: the API server refuses it, whoever writes it.
    await refusedWith(signal(name, 'maybe'), 'InvalidSignal');

    expect(await signal(name, 'true')).toBe('signalled');
    const signaled = await waitForPhase(client(), env.namespace, name, 'Signaled');
    expect(signaled.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Progressing', 'False', 'Signaled'],
      ['Succeeded', 'True', 'Signaled'],
    ]);
    expect(signaled.status).toMatchObject({ signalValue: 'true', signalledBy: 'alice' });
    expect(signaled.status.signalledAt).toMatch(/Z$/);
    expect(signaled.status.phaseHistory?.map((h) => h.phase)).toEqual(['Paused', 'Signaled']);

    // One event per transition, each recorded before its status.
    await vi.waitFor(() => expect(writer.of(name)).toHaveLength(2), patience);
    expect(writer.of(name).map((r) => [r.event.phase, r.statusPhaseWhenRecorded])).toEqual([
      ['Paused', undefined],
      ['Signaled', 'Paused'],
    ]);
    expect(writer.of(name).map((r) => r.event.attempt)).toEqual([1, 1]);

    // Finished: labelled for garbage collection like a task. Waited for first: that label's patch
    // would otherwise change the resourceVersion the next check compares.
    await vi.waitFor(async () => {
      const action = await read(client(), env.namespace, name);
      expect(action?.metadata.labels?.['roundhouse.dev/termination-status']).toBe('terminated');
    }, patience);

    // The same signal again changes nothing, by anyone; a different one is refused.
    const before = await read(client(), env.namespace, name);
    expect(await signal(name, 'true', 'bob')).toBe('unchanged');
    expect((await read(client(), env.namespace, name))?.metadata.resourceVersion).toBe(
      before?.metadata.resourceVersion,
    );
    await refusedWith(signal(name, 'false'), 'AlreadySignalled');
    await invalid(writeSignalDirectly(name, 'false'), 'immutable once signalValue is set');
    expect(writer.of(name)).toHaveLength(2);
  });

  it('times out at creation + timeout with ConditionTimedOut, then refuses a signal', async () => {
    // No resync comes within the hour: only a wake at the deadline can end the wait in time.
    const { writer } = await start({ resyncMs: 3_600_000 });
    const manifest = conditionAction({ name: 'approve', type: 'string', timeout: '4s' });
    const name = manifest.metadata.name;
    const created = await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Paused');

    const timedOut = await waitForPhase(client(), env.namespace, name, 'TimedOut');
    expect(timedOut.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Progressing', 'False', 'TimedOut'],
      ['Failed', 'True', 'TimedOut'],
    ]);
    expect(timedOut.status.errorState).toMatchObject({ code: 'ConditionTimedOut', kind: 'USER' });
    // Not before its deadline.
    const createdAt = Date.parse(created.metadata?.creationTimestamp as string);
    const endedAt = Date.parse(timedOut.status.phaseHistory?.at(-1)?.occurredAt as string);
    expect(endedAt - createdAt).toBeGreaterThanOrEqual(4_000);
    expect(writer.of(name).map((r) => [r.event.phase, r.statusPhaseWhenRecorded])).toEqual([
      ['Paused', undefined],
      ['TimedOut', 'Paused'],
    ]);

    await refusedWith(signal(name, 'approved'), 'ConditionEnded');
    await invalid(writeSignalDirectly(name, 'approved'), 'the condition has ended');
    const after = await read(client(), env.namespace, name);
    expect(after?.status.signalValue).toBeUndefined();
  });

  it('times out while its parent does not exist, and joins the tree when the parent arrives', async () => {
    await start();
    const parent = conditionAction({ name: 'gate', type: 'boolean', timeout: '1h' });
    const manifest = conditionAction({ name: 'approve', type: 'boolean', timeout: '3s' });
    manifest.spec.parentActionName = parent.spec.actionName;
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'TimedOut');
    expect((await read(client(), env.namespace, name))?.metadata.ownerReferences).toBeUndefined();

    await apply(client(), env.namespace, parent);
    await vi.waitFor(async () => {
      const owned = await read(client(), env.namespace, name);
      expect(owned?.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'TaskAction', name: parent.metadata.name }),
      ]);
    }, patience);
  });

  it('keeps a signal written before the controller wrote any status', async () => {
    await ensureTaskActionCrd(client());
    const manifest = conditionAction({ name: 'approve', type: 'integer', timeout: '1h' });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    expect(await signal(name, '42')).toBe('signalled');

    const { writer } = await start();
    const signaled = await waitForPhase(client(), env.namespace, name, 'Signaled');
    expect(signaled.status).toMatchObject({ signalValue: '42', signalledBy: 'alice' });
    expect(writer.of(name).map((r) => r.event.phase)).toEqual(['Signaled']);
  });

  it('is deleted at once, holding no finalizer, and reported Aborted as Flyte reports it', async () => {
    const { writer } = await start();
    const manifest = conditionAction({ name: 'approve', type: 'string', timeout: '1h' });
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Paused');

    await client().delete(taskActions, env.namespace, name);
    expect(await read(client(), env.namespace, name)).toBeNull();
    await vi.waitFor(
      () => expect(writer.of(name).map((r) => r.event.phase)).toEqual(['Paused', 'Aborted']),
      patience,
    );
  });

  it('fails InvalidSpec without its condition, and then takes no signal', async () => {
    await start();
    const manifest = conditionAction(undefined);
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    const failed = await waitForPhase(client(), env.namespace, name, 'InvalidSpec');
    expect(failed.status.conditions?.find((c) => c.type === 'Failed')?.message).toContain(
      'spec.conditionSpec',
    );
    expect(failed.metadata.finalizers).toBeUndefined();
    await refusedWith(signal(name, 'x'), 'ConditionEnded');
  });
});
