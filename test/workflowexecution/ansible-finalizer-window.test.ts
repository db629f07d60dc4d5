import { AnsibleExecutor, AwxClient } from '@roundhouse/awx';
import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { executionResourceName, Registry } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { apply, manifest, patience, read, startController } from './harness.js';

/** Whether a patch is the finalizer write (the status writes go to the status subresource). */
const isFinalizerPatch = (type: unknown, options: unknown) =>
  type === workflowExecutions &&
  (options as { subresource?: string } | undefined)?.subresource === undefined;

describeWithControlPlane(
  'WorkflowExecution controller with the ansible engine: a crash before the finalizer landed',
  () => {
    const env = useTestNamespace({ prefix: 'wfe-ansible-window' });
    let executionNamespace: string;
    let simulator: AwxSimulator;
    let awx: AwxClient;
    const client = () => new KubeClient(env.kubeConfig);

    beforeAll(async () => {
      executionNamespace = await env.controlPlane.createNamespace('wfe-ansible-window-exec');
      simulator = await startAwxSimulator();
      simulator.state.addJobTemplate({
        name: 'restart',
        askVariablesOnLaunch: true,
        askCredentialOnLaunch: true,
        schedule: { pendingMs: 100, runningMs: 800, outcome: 'successful' },
      });
      awx = new AwxClient({
        baseUrl: simulator.url,
        token: simulator.token,
        apiPrefix: simulator.apiPrefix,
      });
      await client().create(resources.secrets, executionNamespace, {
        metadata: { name: 'db', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
        stringData: { password: 'canary-3f9a-secret' },
      });
    });

    afterAll(async () => {
      await awx?.close();
      await simulator?.stop();
    });

    it('leaves no AWX job, credential or lock behind for an execution deleted while the controller was down', async () => {
      // The controller is killed while its finalizer write is in flight; the author deletes the
      // execution, which has no finalizer to hold it, before a controller is back.
      const writer = new KubeClient(env.kubeConfig);
      const patch = writer.patch.bind(writer);
      const kill = new AbortController();
      let finalizerSent = false;
      vi.spyOn(writer, 'patch').mockImplementation(async (type, namespace, name, body, options) => {
        if (!isFinalizerPatch(type, options)) return patch(type, namespace, name, body, options);
        finalizerSent = true;
        return new Promise((_, reject) => {
          const killed = () => reject(new Error('controller killed'));
          if (kill.signal.aborted) killed();
          else kill.signal.addEventListener('abort', killed);
        });
      });
      const spec = {
        engine: 'ansible',
        engineConfig: { jobTemplateName: 'restart', playbookPath: 'site.yml' },
        dependencies: { secrets: [{ name: 'db' }] },
        target: `${env.namespace}/deployment/window`,
      };
      const crashed = await startController({
        kubeConfig: env.kubeConfig,
        registry: new Registry().register(new AnsibleExecutor(awx, client())),
        client: writer,
        watchNamespace: env.namespace,
        executionNamespace,
        cooldownMs: 1_000,
        pollIntervalMs: { initial: 200, max: 1_000 },
      });
      const first = await apply(client(), env.namespace, manifest(spec));
      await vi.waitFor(() => expect(finalizerSent).toBe(true), patience);
      // Time for a start that does not wait for its finalizer to claim the lock and launch: the
      // simulator answers in milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      kill.abort();
      await crashed.stop();
      await client().delete(workflowExecutions, env.namespace, first.metadata.name);
      expect(await read(client(), env.namespace, first.metadata.name)).toBeNull();

      const restarted = await startController({
        kubeConfig: env.kubeConfig,
        registry: new Registry().register(new AnsibleExecutor(awx, client())),
        watchNamespace: env.namespace,
        executionNamespace,
        cooldownMs: 1_000,
        pollIntervalMs: { initial: 200, max: 1_000 },
      });
      try {
        // The target is free: the next execution on it runs.
        const second = await apply(client(), env.namespace, manifest(spec));
        const finished = await vi.waitFor(async () => {
          const current = await read(client(), env.namespace, second.metadata.name);
          expect(['Completed', 'Failed']).toContain(current?.status?.phase);
          return current;
        }, patience);
        expect(finished?.status?.failureDetails).toBeUndefined();
        expect(finished?.status?.phase).toBe('Completed');
        await vi.waitFor(async () => {
          expect(
            await client().get(
              resources.leases,
              executionNamespace,
              executionResourceName(spec.target),
            ),
          ).toBeNull();
          expect(simulator.state.liveCredentials({ origin: 'api' })).toEqual([]);
        }, patience);
        const launchedFor = (name: string) =>
          simulator.state.jobs().filter((job) => job.extraVars.includes(`"WFE_NAME": "${name}"`));
        expect(launchedFor(first.metadata.name)).toEqual([]);
        expect(launchedFor(second.metadata.name)).toHaveLength(1);
      } finally {
        await restarted.stop();
      }
    });
  },
);
