import { AnsibleExecutor, AwxClient } from '@roundhouse/awx';
import { startAwxSimulator } from '@roundhouse/awx-simulator';
import type { WorkflowExecution } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import type { ControlPlane } from '@roundhouse/testenv';
import { printGroup } from './harness.js';

const launches = Number(process.env.ROUNDHOUSE_BENCH_AWX_LAUNCHES ?? 100);

interface Run {
  readonly ms: number;
  readonly requests: number;
  readonly connections: number;
}

/**
 * Launches through the ansible engine against the AWX simulator, each with one Secret: the AWX
 * requests a launch costs and the connections the client opens, with the engine's caches on
 * (the default) and off (`cacheTtlMs: 0`, every launch reads the template and the credential
 * type again). Each launch is cleaned up before the next; cleanup is not counted.
 */
export async function awxBench(plane: ControlPlane): Promise<void> {
  const namespace = await plane.createNamespace('bench-awx');
  const kube = new KubeClient(plane.kubeConfig);
  await kube.create(resources.secrets, namespace, {
    metadata: { name: 'db' },
    stringData: { password: 'bench' },
  });
  const sim = await startAwxSimulator();
  const template = sim.state.addJobTemplate({
    name: 'bench',
    askVariablesOnLaunch: true,
    askCredentialOnLaunch: true,
    schedule: { pendingMs: 60_000 },
  });
  let sequence = 0;
  const run = async (cacheTtlMs: number): Promise<Run> => {
    const awx = new AwxClient({ baseUrl: sim.url, token: sim.token });
    const executor = new AnsibleExecutor(awx, kube, { cacheTtlMs });
    const dependencies = { secrets: [{ name: 'db' }] };
    const launch = async () => {
      const wfe = execution(template.name, ++sequence);
      const before = sim.requests.length;
      const { resourceName } = await executor.create(wfe, namespace, { dependencies });
      const sent = sim.requests.length - before;
      const withRef = { ...wfe, status: { executionRef: { name: resourceName } } };
      await executor.cleanup(withRef, namespace);
      return sent;
    };
    // Every connection the client opens counts; the first launch warms the caches.
    const connections = sim.connections;
    await launch();
    let requests = 0;
    const started = performance.now();
    for (let i = 0; i < launches; i++) requests += await launch();
    const ms = performance.now() - started;
    await awx.close();
    return { ms, requests, connections: sim.connections - connections };
  };
  try {
    const uncached = await run(0);
    const cached = await run(60_000);
    printGroup(`${launches} AWX launches with one Secret each (create and cleanup)`, [
      {
        name: 'baseline: caches off (cacheTtlMs 0)',
        opsPerSecond: (launches * 1000) / uncached.ms,
        ratio: 1,
      },
      {
        name: 'caches on (default)',
        opsPerSecond: (launches * 1000) / cached.ms,
        ratio: cached.ms / uncached.ms,
      },
    ]);
    for (const [name, measured] of [
      ['caches off', uncached],
      ['caches on', cached],
    ] as const) {
      console.log(
        `  ${name}: ${(measured.requests / launches).toFixed(2)} AWX requests per launch, ` +
          `${((measured.connections * 100) / launches).toFixed(1)} connections per 100 launches`,
      );
    }
  } finally {
    await sim.stop();
  }
}

function execution(templateName: string, sequence: number): WorkflowExecution {
  return {
    metadata: { name: `bench-${sequence}`, namespace: 'bench', uid: `uid-${sequence}` },
    spec: {
      workflowRef: {
        workflowId: 'bench',
        version: '1',
        executionBundle: 'registry.invalid/bench:1',
        engineConfig: { jobTemplateName: templateName, playbookPath: 'site.yml' },
      },
      targetResource: `bench/deployment/app-${sequence}`,
      executionEngine: 'ansible',
    },
  };
}
