import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from '@roundhouse/core';
import { ProcessExecutor, ProcessSupervisor } from '@roundhouse/process';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { removeAllTasks } from '../../packages/process/test/in-process-agent.js';
import { temporaryDirectory, writeBundle } from '../../packages/process/test/support.js';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

/**
 * A controller killed between a process task's create and the Running write leaves a task only
 * the supervisor records: nothing the controller watches shows it, and the process engine's lock
 * is named from the target as written, so another spelling of the target is not kept off it by
 * the engine. The restarted controller must ask the engine, and then adopt the first's task.
 */
describeWithControlPlane(
  'WorkflowExecution starts after a controller died mid-start of a process task',
  () => {
    const cluster = useController('wfe-unrecorded-task');
    const dir = temporaryDirectory('unrecorded-task');
    const bundles = join(dir.path, 'bundles');
    let supervisor: ProcessSupervisor;

    beforeAll(async () => {
      mkdirSync(bundles, { recursive: true });
      supervisor = await ProcessSupervisor.open({
        dataDir: join(dir.path, 'data'),
        reconcileIntervalMs: 100,
        gracePeriodMs: 1000,
      });
    });
    afterAll(async () => {
      await removeAllTasks(supervisor);
      await supervisor.close();
      dir.remove();
    });

    /** A bundle that notes each run of it in `runs-<name>` and then takes `seconds`. */
    const bundle = (name: string, seconds: number) => {
      writeBundle(join(bundles, name), `echo run >> ${dir.path}/runs-${name}\nsleep ${seconds}`);
      return name;
    };
    const runs = (name: string) => {
      const file = join(dir.path, `runs-${name}`);
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
    };
    /** The process engine over the supervisor, whose task creates `wrap` may replace. */
    const registry = (create?: ProcessSupervisor['create']) => {
      const over = create
        ? new Proxy(supervisor, {
            get: (target, property) => {
              if (property === 'create') return create;
              const value = Reflect.get(target, property);
              return typeof value === 'function' ? value.bind(target) : value;
            },
          })
        : supervisor;
      return new Registry().register(new ProcessExecutor(over, { bundleRoot: bundles }));
    };
    const options = { policy: { bundles: ['*'] }, pollIntervalMs: { initial: 200, max: 1000 } };

    it('refuses another spelling of the target while the unrecorded task runs, and adopts that task: one run in all', async () => {
      const app = `app-${Date.now().toString(36)}`;
      const firstBundle = bundle(`first-${app}`, 3);
      const secondBundle = bundle(`second-${app}`, 3);
      const first = manifest({
        engine: 'process',
        bundle: firstBundle,
        target: `prod/deployment/${app}`,
      });
      const second = manifest({
        engine: 'process',
        bundle: secondBundle,
        target: `prod/deployments/${app}`,
      });

      // The first controller dies once the first execution's task create has reached the
      // supervisor: neither its answer nor the Running write ever come.
      let reached: () => void = () => undefined;
      const created = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const killed = await cluster.start({
        ...options,
        cooldownMs: 60_000,
        registry: registry(async (request, ...rest) => {
          await supervisor.create(request, ...rest);
          reached();
          return new Promise(() => undefined);
        }),
      });
      await cluster.apply(first);
      await created;
      await killed.stop();
      expect((await cluster.read(first.metadata.name))?.status?.executionRef).toBeUndefined();

      // The second arrives while no controller runs; the restarted one decides it first.
      await cluster.apply(second);
      const secondDecided = () =>
        vi.waitFor(async () => {
          const phase = (await cluster.read(second.metadata.name))?.status?.phase;
          expect(runs(secondBundle) > 0 || phase === 'Failed').toBe(true);
        }, patience);
      await cluster.start({
        ...options,
        cooldownMs: 60_000,
        registry: registry(),
        resolveDeclaredParameters: async (wfe) => {
          if (wfe.metadata.name === first.metadata.name) await secondDecided();
          return undefined;
        },
      });

      const refused = await cluster.waitForPhase(second.metadata.name, 'Failed');
      expect(refused.status?.failureDetails).toMatchObject({
        reason: 'Deduplicated',
        wasExecutionFailure: false,
      });
      expect(refused.status?.deduplicatedBy).toBe(first.metadata.name);
      const completed = await cluster.waitForPhase(first.metadata.name, 'Completed');
      expect(completed.status?.failureDetails).toBeUndefined();
      expect(
        completed.status?.conditions?.find((c) => c.type === 'ExecutionCreated')?.message,
      ).toContain('already exists');
      expect([runs(firstBundle), runs(secondBundle)]).toEqual([1, 0]);
    }, 240_000);
  },
);
