import { KubeClient } from '@roundhouse/kube';
import {
  type ControlPlane,
  ensureBinaries,
  podControls,
  readAuditLog,
  startControlPlane,
} from '@roundhouse/testenv';
import { controlPlaneAvailable } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTaskRunController } from '../src/controller.js';
import { ensureTaskRunCrds } from '../src/install.js';
import {
  createTask,
  createTaskRun,
  patience,
  podsOwnedBy,
  step,
  type TaskRunObject,
  waitForRun,
} from './harness.js';

/*
 * What the controller sends per run, counted where no request can hide: the audit log of a
 * control plane this file starts (the shared one keeps none), for the controller's own user.
 * Watches are left out: the informers open them once, not per run.
 */

const controllerUser = 'taskrun-requests-controller';
const runs = 20;

(controlPlaneAvailable() ? describe : describe.skip)('requests per TaskRun (audit log)', () => {
  let plane: ControlPlane;
  let admin: KubeClient;
  let namespace: string;

  beforeAll(async () => {
    const binaries = await ensureBinaries(true);
    plane = await startControlPlane({ workloads: true, binaries: binaries.paths, audit: true });
    admin = new KubeClient(plane.kubeConfig);
    namespace = await plane.createNamespace('taskrun-requests');
    await ensureTaskRunCrds(admin);
  }, 300_000);

  afterAll(async () => {
    await admin?.close();
    await plane?.stop();
  }, 120_000);

  it('a batch of two-step runs: the Pod created and never read back, every run Succeeded', async () => {
    const kubeConfig = await plane.userKubeConfig(controllerUser, ['system:masters']);
    const { controller } = createTaskRunController({
      kubeConfig,
      watchNamespace: namespace,
      // Every Pod ends as soon as its steps started, each step exiting 0.
      pod: {
        allowedImages: ['registry.invalid/*'],
        podAnnotations: { [podControls.exitCode]: '0' },
      },
    });
    const abort = new AbortController();
    const running = controller.start(abort.signal);
    try {
      await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
      await createTask(admin, namespace, 'two-steps', { steps: [step('build'), step('test')] });
      const from = Date.now();
      const created: TaskRunObject[] = [];
      for (let i = 0; i < runs; i++) {
        created.push(
          await createTaskRun(admin, namespace, `run-${i}`, { taskRef: { name: 'two-steps' } }),
        );
      }
      for (const run of created) {
        const name = run.metadata?.name as string;
        const status = await waitForRun(admin, namespace, name, (s) =>
          expect(s.phase, `${name}: ${s.reason} ${s.message}`).toBe('Succeeded'),
        );
        expect(status.podName).toBeTruthy();
        expect(await podsOwnedBy(admin, namespace, run)).toHaveLength(1);
      }
      // The last status writes' watch events, and what they woke, have run.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      abort.abort();
      await running;
      const requests = (await readAuditLog(plane.auditLogPath as string, [controllerUser]))
        .filter((r) => r.receivedAt >= from && r.verb !== 'watch')
        .map(({ verb, resource }) => `${verb} ${resource}`);
      const count = (request: string) => requests.filter((r) => r === request).length;
      const tally = Object.fromEntries([...new Set(requests)].sort().map((r) => [r, count(r)]));
      const summary = `${(requests.length / runs).toFixed(2)} requests per run: ${JSON.stringify(tally)}`;
      console.info(summary);
      expect(count('create pods'), summary).toBe(runs);
      expect(count('get pods'), summary).toBe(0);
    } finally {
      abort.abort();
      await running;
    }
  }, 240_000);
});
