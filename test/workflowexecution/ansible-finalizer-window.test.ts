import type { AwxSimulator } from '@roundhouse/awx-simulator';
import { executionResourceName } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { onAwx, useAwxSimulator } from './awx.js';
import { interceptFinalizerWrites } from './client-intercepts.js';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

describeWithControlPlane(
  'WorkflowExecution controller with the ansible engine: a crash before the finalizer landed',
  () => {
    const awxFixture = useAwxSimulator();
    const cluster = useController('wfe-ansible-window');
    const { env, client } = cluster;
    let simulator: AwxSimulator;

    beforeAll(async () => {
      simulator = awxFixture.simulator;
      simulator.state.addJobTemplate({
        name: 'restart',
        askVariablesOnLaunch: true,
        askCredentialOnLaunch: true,
        schedule: { pendingMs: 100, runningMs: 800, outcome: 'successful' },
      });
      await client().create(resources.secrets, cluster.executionNamespace, {
        metadata: { name: 'db', annotations: { 'roundhouse.dev/allowed-namespaces': '*' } },
        stringData: { password: 'canary-3f9a-secret' },
      });
    });

    it('leaves no AWX job, credential or lock behind for an execution deleted while the controller was down', async () => {
      // The controller is killed while its finalizer write is in flight; the author deletes the
      // execution, which has no finalizer to hold it, before a controller is back.
      const kill = new AbortController();
      let finalizerSent = false;
      const writer = interceptFinalizerWrites(env.kubeConfig, () => {
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
      const crashed = await cluster.start({ ...onAwx(awxFixture.awx, client()), client: writer });
      const first = await cluster.apply(manifest(spec));
      await vi.waitFor(() => expect(finalizerSent).toBe(true), patience);
      // Time for a start that does not wait for its finalizer to claim the lock and launch: the
      // simulator answers in milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      kill.abort();
      await crashed.stop();
      await client().delete(workflowExecutions, env.namespace, first.metadata.name);
      expect(await cluster.read(first.metadata.name)).toBeNull();

      await cluster.start(onAwx(awxFixture.awx, client()));
      // The target is free: the next execution on it runs.
      const second = await cluster.apply(manifest(spec));
      const finished = await vi.waitFor(async () => {
        const current = await cluster.read(second.metadata.name);
        expect(['Completed', 'Failed']).toContain(current?.status?.phase);
        return current;
      }, patience);
      expect(finished?.status?.failureDetails).toBeUndefined();
      expect(finished?.status?.phase).toBe('Completed');
      await vi.waitFor(async () => {
        expect(
          await client().get(
            resources.leases,
            cluster.executionNamespace,
            executionResourceName(spec.target),
          ),
        ).toBeNull();
        expect(simulator.state.liveCredentials({ origin: 'api' })).toEqual([]);
      }, patience);
      const launchedFor = (name: string) =>
        simulator.state.jobs().filter((job) => job.extraVars.includes(`"WFE_NAME": "${name}"`));
      expect(launchedFor(first.metadata.name)).toEqual([]);
      expect(launchedFor(second.metadata.name)).toHaveLength(1);
    });
  },
);
