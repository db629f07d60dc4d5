import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { interceptFinalizerWrites } from '../../../test/workflowexecution/client-intercepts.js';
import { useController } from '../../../test/workflowexecution/controller-fixture.js';
import { jobRegistry, manifest, patience } from '../../../test/workflowexecution/harness.js';

const ours = 'roundhouse.dev/execution-cleanup';
const audit = 'audit.example.com/record';

describeWithControlPlane('WorkflowExecution finalizer removal beside other writers', () => {
  const cluster = useController('wfe-finalizer-removal');
  const { env } = cluster;
  const admin = cluster.client;

  it("takes its finalizer off a deleted execution in one write though a label was edited after the controller's read, keeping another controller's finalizer", async () => {
    const execution = manifest();
    const name = execution.metadata.name;
    // Once the execution is deleted, the controller's first finalizer write is preceded by an
    // author's label edit: the controller decided on a copy the server has moved past.
    let deleting = false;
    let removals = 0;
    const writer = interceptFinalizerWrites(env.kubeConfig, async (send, target) => {
      if (!deleting || target.name !== name) return send();
      removals += 1;
      if (removals > 1) return send();
      await admin().patch(
        workflowExecutions,
        target.namespace,
        target.name,
        { metadata: { labels: { [`edited-${removals}`]: 'yes' } } },
        { strategy: 'merge' },
      );
      return send();
    });
    // The removal's watch echo is held back a while, so the reconcile that the label edit wakes
    // runs before it arrives: only a cache that holds the controller's own write keeps that
    // reconcile from removing the finalizer a second time.
    let echoed: () => void = () => {};
    const echo = new Promise<void>((resolve) => {
      echoed = resolve;
    });
    const watcher = new KubeClient(env.kubeConfig);
    const watch = watcher.watch.bind(watcher);
    vi.spyOn(watcher, 'watch').mockImplementation(async (type, namespace, onEvent, options) =>
      watch(
        type,
        namespace,
        (event) => {
          const finalizers = event.object.metadata?.finalizers ?? [];
          if (!deleting || type !== workflowExecutions || finalizers.includes(ours))
            return onEvent(event);
          setTimeout(() => {
            onEvent(event);
            echoed();
          }, 2_000);
        },
        options,
      ),
    );
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      client: writer,
      cacheClient: watcher,
      cooldownMs: 60_000,
    });
    await cluster.apply(execution);
    await cluster.waitForPhase(name, 'Completed');
    // Another controller holds the execution too, its finalizer after ours.
    await admin().patch(
      workflowExecutions,
      env.namespace,
      name,
      { metadata: { finalizers: [ours, audit] } },
      { strategy: 'merge' },
    );
    deleting = true;
    await admin().delete(workflowExecutions, env.namespace, name);
    const stored = await vi.waitFor(async () => {
      const current = await admin().get<KubeObject>(workflowExecutions, env.namespace, name);
      expect(current?.metadata?.finalizers).toEqual([audit]);
      return current as KubeObject;
    }, patience);
    // Once the echo arrived, the reconcile the label edit woke has long run: one write, no
    // conflict and retry, and the label edited meanwhile stays.
    await echo;
    expect(removals).toBe(1);
    expect(stored.metadata?.labels).toMatchObject({ 'edited-1': 'yes' });
    await admin().patch(
      workflowExecutions,
      env.namespace,
      name,
      { metadata: { finalizers: [] } },
      { strategy: 'merge' },
    );
  });
});
