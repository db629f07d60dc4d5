import { readFileSync } from 'node:fs';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { distExecs, nodeFinalizer } from '../src/resource.js';
import { resultsOf } from '../src/spec.js';
import { isAlive, patience, World } from './harness.js';

describeWithControlPlane('deleting a DistExec', () => {
  const env = useTestNamespace({ prefix: 'dx-deletion' });
  const world = new World(env);
  const nodeNames: string[] = [];

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b', 'c']) nodeNames.push(await world.createNode(suffix));
    await Promise.all(nodeNames.map((n) => world.startAgent(n)));
  });

  afterAll(() => world.tearDown());

  it('stops the running command on every node before the DistExec goes away', async () => {
    const pids = world.path('long');
    await world.createDistExec('long', { shell: `echo $$ > ${pids}.$NODE_NAME; exec sleep 600` });
    const { object } = await world.waitForResults('long', (results, _, object) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
      // Each node holds its own finalizer while its command runs.
      expect([...(object?.metadata?.finalizers ?? [])].sort()).toEqual(
        nodeNames.map(nodeFinalizer),
      );
      for (const node of nodeNames) expect(world.lines(`long.${node}`)).toHaveLength(1);
    });
    const running = nodeNames.map((node) => Number(readFileSync(`${pids}.${node}`, 'utf8')));
    for (const pid of running) expect(isAlive(pid)).toBe(true);

    await world.admin.delete(distExecs, env.namespace, object.metadata?.name as string);
    await vi.waitFor(async () => expect(await world.read('long')).toBeNull(), patience);
    // Gone only once every node had stopped its command.
    for (const pid of running) expect(isAlive(pid)).toBe(false);
  });

  it('a command still running holds up no other DistExec on its node', async () => {
    await world.createDistExec('blocker', { shell: 'exec sleep 600' });
    await world.waitForResults('blocker', (results) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
    });
    await world.createDistExec('meanwhile', { command: 'echo done' });
    const { results } = await world.waitForResults('meanwhile', (_, summary) =>
      expect(summary?.succeeded).toBe(nodeNames.length),
    );
    for (const node of nodeNames) expect(results[node]?.stdout).toBe('done\n');
    const blocker = resultsOf((await world.read('blocker'))?.status);
    for (const node of nodeNames) expect(blocker[node]?.phase).toBe('Running');
    await world.admin.delete(distExecs, env.namespace, 'blocker');
    await vi.waitFor(async () => expect(await world.read('blocker')).toBeNull(), patience);
  });

  it('a finished DistExec holds no finalizer and is deleted at once', async () => {
    await world.createDistExec('short', { command: 'true' });
    await world.waitForResults('short', (_, summary, object) => {
      expect(summary?.succeeded).toBe(3);
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    await world.admin.delete(distExecs, env.namespace, 'short');
    expect(await world.read('short')).toBeNull();
  });
});
