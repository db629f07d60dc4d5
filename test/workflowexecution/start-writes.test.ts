import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  jobRegistry,
  jobsOf,
  manifest,
  patience,
  type RunningController,
  startController,
  waitForPhase,
} from './harness.js';

/** Whether a patch is the finalizer write (the status writes go to the status subresource). */
const isFinalizerPatch = (type: unknown, options: unknown) =>
  type === workflowExecutions &&
  (options as { subresource?: string } | undefined)?.subresource === undefined;

describeWithControlPlane('WorkflowExecution start: the writes a start makes', () => {
  const env = useTestNamespace({ prefix: 'wfe-start' });
  let executionNamespace: string;
  let controller: RunningController | undefined;
  const admin = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-start-exec');
  });

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  it('creates the Job while the finalizer write is still in flight, and marks Running after both', async () => {
    const timeline: string[] = [];
    const writer = new KubeClient(env.kubeConfig);
    const patch = writer.patch.bind(writer);
    vi.spyOn(writer, 'patch').mockImplementation(async (type, namespace, name, body, options) => {
      if (!isFinalizerPatch(type, options)) return patch(type, namespace, name, body, options);
      timeline.push('finalizer sent');
      const written = await patch(type, namespace, name, body, options);
      timeline.push('finalizer written');
      return written;
    });
    const creator = new KubeClient(env.kubeConfig);
    const create = creator.create.bind(creator);
    vi.spyOn(creator, 'create').mockImplementation(async (type, namespace, body, options) => {
      if (type === resources.jobs) timeline.push('job sent');
      return create(type, namespace, body, options);
    });
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }, creator),
      client: writer,
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 60_000,
    });
    const wfe = await apply(admin(), env.namespace, manifest());
    const running = await waitForPhase(admin(), env.namespace, wfe.metadata.name, 'Running');
    // One round trip for both writes, not one after the other.
    expect(timeline.indexOf('job sent')).toBeGreaterThanOrEqual(0);
    expect(timeline.indexOf('job sent')).toBeLessThan(timeline.indexOf('finalizer written'));
    expect(running.metadata.finalizers).toContain('roundhouse.dev/execution-cleanup');
    await waitForPhase(admin(), env.namespace, wfe.metadata.name, 'Completed');
  });

  it('removes the Job it created when the execution was deleted before its finalizer landed', async () => {
    const writer = new KubeClient(env.kubeConfig);
    const patch = writer.patch.bind(writer);
    let deleted = false;
    vi.spyOn(writer, 'patch').mockImplementation(async (type, namespace, name, body, options) => {
      if (isFinalizerPatch(type, options) && !deleted) {
        // The user deletes the execution between the controller's read and its finalizer write.
        deleted = true;
        await admin().delete(workflowExecutions, namespace, name);
      }
      return patch(type, namespace, name, body, options);
    });
    const creator = new KubeClient(env.kubeConfig);
    const create = creator.create.bind(creator);
    let jobCreated = false;
    vi.spyOn(creator, 'create').mockImplementation(async (type, namespace, body, options) => {
      const created = await create(type, namespace, body, options);
      if (type === resources.jobs) jobCreated = true;
      return created;
    });
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }, creator),
      client: writer,
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 60_000,
    });
    const wfe = await apply(admin(), env.namespace, manifest());
    await vi.waitFor(() => expect(deleted && jobCreated).toBe(true), patience);
    // No finalizer was ever on it, so nothing but this start could remove what it created.
    await vi.waitFor(async () => {
      const jobs = await jobsOf(admin(), executionNamespace, wfe.metadata.name);
      expect(jobs.filter((j: KubeObject) => !j.metadata?.deletionTimestamp)).toEqual([]);
    }, patience);
  });

  it('records one Normal Event for a successful execution, when its lock is released', async () => {
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 1_000,
    });
    const wfe = await apply(admin(), env.namespace, manifest());
    await vi.waitFor(async () => {
      const { items } = await admin().list<KubeObject & { reason?: string; type?: string }>(
        resources.events,
        env.namespace,
        { fieldSelector: `involvedObject.name=${wfe.metadata.name}` },
      );
      expect(items.map((e) => `${e.type} ${e.reason}`)).toEqual(['Normal LockReleased']);
    }, patience);
  });
});
