import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ControllerProcess } from './controller-process.js';
import {
  expectNothingReportedTwice,
  expectOneJobPerTarget,
  kubeconfigDirectory,
  type Phased,
  seeded,
  startControllerProcess,
  untilWorking,
  watchJobUids,
} from './crash-harness.js';

/**
 * The controller process killed with SIGKILL at random points while executions arrive, start,
 * finish and are deleted (some while it is down), and started again each time: whatever a kill
 * interrupts (a finalizer write, a Job create, a status write, a cleanup), the end state is what
 * one uninterrupted controller would have reached, and nothing is done twice.
 */
describeWithControlPlane('the controller killed again and again', () => {
  const env = useTestNamespace({ prefix: 'wfe-crash' });
  const random = seeded(20_261_201);
  const rounds = 12;
  const perRound = 3;
  const distinct = rounds * perRound;
  const pairs = rounds / 3;
  let dir: string;
  let executionNamespace: string;
  let controller: ControllerProcess | undefined;
  const stopWatch = new AbortController();
  /** Every Job uid the API server ever announced, by Job name. */
  let jobUids: Map<string, Set<string>>;

  beforeAll(async () => {
    const admin = new KubeClient(env.kubeConfig);
    await ensureWorkflowExecutionCrd(admin);
    executionNamespace = await env.controlPlane.createNamespace('wfe-crash-exec');
    dir = kubeconfigDirectory(env.kubeConfig, 'roundhouse-crash-');
    jobUids = await watchJobUids(admin, executionNamespace, stopWatch.signal);
  });

  afterAll(() => {
    stopWatch.abort();
    controller?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    startControllerProcess([
      `--kubeconfig=${join(dir, 'kubeconfig')}`,
      '--engines=job',
      `--watch-namespace=${env.namespace}`,
      `--execution-namespace=${executionNamespace}`,
      '--workers=4',
      '--cooldown=30m',
      '--allowed-bundles=registry.invalid/*',
      '--health-port=0',
      '--health-host=127.0.0.1',
    ]);

  const target = (t: number) => `${env.namespace}/deployment/app-${t}`;
  const body = (name: string, t: number): KubeObject => ({
    metadata: { name },
    spec: {
      workflowRef: { workflowId: 'crash', version: '1', executionBundle: 'registry.invalid/c:1' },
      targetResource: target(t),
      executionEngine: 'job',
    },
  });

  it('ends every execution as one uninterrupted controller would, one Job each, deletions cleaned up', async () => {
    const admin = new KubeClient(env.kubeConfig);
    const names: string[] = [];
    const deleted = new Set<string>();
    const create = async (t: number, batch: string[]) => {
      await Promise.all(
        batch.map((name) => admin.create(workflowExecutions, env.namespace, body(name, t))),
      );
      names.push(...batch);
    };
    let pair = 0;
    for (let round = 0; round < rounds; round++) {
      // Executions arrive while the controller is down, so each start begins with a burst of
      // starts for the kill to land in; every few rounds a pair on one target arrives too.
      for (let i = 0; i < perRound; i++)
        await create(round * perRound + i, [`wfe-${round * perRound + i}`]);
      if (round % 3 === 2) {
        const t = distinct + pair++;
        await create(t, [`wfe-${t}-a`, `wfe-${t}-b`]);
      }
      const current = start();
      controller = current;
      await untilWorking(current);
      await sleep(random() * 400);
      if (round % 4 === 1) {
        const name = `wfe-${Math.floor(random() * round * perRound)}`;
        if (!deleted.has(name)) {
          deleted.add(name);
          await admin.delete(workflowExecutions, env.namespace, name);
          await sleep(random() * 200);
        }
      }
      current.kill();
      await current.closed;
      if (round % 4 === 3) {
        // Deleted while the controller is down: one of the executions this kill interrupted,
        // so its Job may exist without the finalizer that would have cleaned it up.
        const name = `wfe-${round * perRound}`;
        deleted.add(name);
        await admin.delete(workflowExecutions, env.namespace, name);
      }
    }
    controller = start();

    const settled = await vi.waitFor(
      async () => {
        const { items } = await admin.list<Phased>(workflowExecutions, env.namespace);
        for (const wfe of items) {
          expect(wfe.metadata?.deletionTimestamp, wfe.metadata?.name).toBeUndefined();
          expect(['Completed', 'Failed', 'Pending'], wfe.metadata?.name).toContain(
            wfe.status?.phase,
          );
        }
        // Pending only as a pair's second, waiting out the first one's cooldown.
        const paired = items.filter((w) => !w.metadata?.name?.match(/^wfe-\d+$/));
        expect(items.length).toBe(names.length - deleted.size);
        expect(paired.filter((w) => w.status?.phase === 'Completed')).toHaveLength(pairs);
        return items;
      },
      { timeout: 120_000, interval: 500 },
    );
    controller.kill();

    await expectOneJobPerTarget(admin, executionNamespace, {
      settled,
      deleted,
      jobUids,
      distinct,
      pairs,
      target,
    });
    // However often a kill interrupted it, nothing was reported twice.
    await expectNothingReportedTwice(admin, env.namespace, /^(Execution|Job)Created$/);
  }, 300_000);
});
