import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { distExecs, nodes } from '../src/resource.js';
import { World } from './harness.js';

describeWithControlPlane("DistExec and the cluster's Nodes", () => {
  const env = useTestNamespace({ prefix: 'dx-nodes' });
  const world = new World(env);
  const nodeNames: string[] = [];

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b', 'c']) nodeNames.push(await world.createNode(suffix));
    await Promise.all(nodeNames.map((n) => world.startAgent(n)));
  });

  afterAll(() => world.tearDown());

  const noteRun = (file: string) => `echo run >> ${world.path(file)}.$NODE_NAME`;

  it("a new node's agent runs every existing DistExec once", async () => {
    for (const name of ['before-1', 'before-2']) {
      await world.createDistExec(name, { shell: noteRun(name) });
      await world.waitForResults(name, (_, summary) => expect(summary?.succeeded).toBe(3));
    }
    const joined = await world.createNode('joined');
    await world.startAgent(joined);
    for (const name of ['before-1', 'before-2']) {
      await world.waitForResults(name, (results, summary) => {
        expect(results[joined]?.phase).toBe('Succeeded');
        expect(summary).toEqual({ nodes: 4, succeeded: 4, failed: 0, pending: 0 });
      });
      for (const node of [...nodeNames, joined])
        expect(world.lines(`${name}.${node}`)).toEqual(['run']);
    }
    nodeNames.push(joined);
  });

  it('runs only on the nodes its nodeSelector selects, and follows a relabelled node', async () => {
    const [first, second] = nodeNames as [string, string];
    await world.admin.patch(
      nodes,
      undefined,
      first,
      { metadata: { labels: { pool: 'gpu' } } },
      { strategy: 'merge' },
    );
    await world.createDistExec('gpu-only', {
      shell: noteRun('gpu-only'),
      nodeSelector: { ...world.selector, pool: 'gpu' },
    });
    await world.waitForResults('gpu-only', (results, summary) => {
      expect(Object.keys(results)).toEqual([first]);
      expect(summary).toEqual({ nodes: 1, succeeded: 1, failed: 0, pending: 0 });
    });
    await world.admin.patch(
      nodes,
      undefined,
      second,
      { metadata: { labels: { pool: 'gpu' } } },
      { strategy: 'merge' },
    );
    await world.waitForResults('gpu-only', (results) => {
      expect(Object.keys(results).sort()).toEqual([first, second].sort());
      expect(results[second]?.phase).toBe('Succeeded');
    });
    // Leaving the pool removes the node's entry.
    await world.admin.patch(
      nodes,
      undefined,
      first,
      { metadata: { labels: { pool: null } } },
      { strategy: 'merge' },
    );
    await world.waitForResults('gpu-only', (results, summary) => {
      expect(Object.keys(results)).toEqual([second]);
      expect(summary).toEqual({ nodes: 1, succeeded: 1, failed: 0, pending: 0 });
    });
    expect(world.lines(`gpu-only.${first}`)).toEqual(['run']);
  });

  it("a deleted node's entry and finalizer are removed by the agents that remain", async () => {
    await world.createDistExec('gone', { shell: noteRun('gone') });
    await world.waitForResults('gone', (_, summary) =>
      expect(summary?.succeeded).toBe(nodeNames.length),
    );
    await world.createDistExec('gone-running', {
      shell: `${noteRun('gone-running')}; exec sleep 600`,
    });
    await world.waitForResults('gone-running', (results) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Running');
    });
    // The node goes; its agent keeps running, as it would until its pod is garbage-collected.
    const dead = nodeNames.pop() as string;
    await world.admin.delete(nodes, undefined, dead);
    for (const name of ['gone', 'gone-running']) {
      await world.waitForResults(name, (results, summary, object) => {
        expect(Object.keys(results).sort()).toEqual([...nodeNames].sort());
        expect(summary?.nodes).toBe(nodeNames.length);
        expect(object?.metadata?.finalizers ?? []).not.toContain(`distexec.roundhouse.dev/${dead}`);
      });
    }
    // With the dead node's finalizer gone, deleting the DistExec waits only for the living.
    await world.admin.delete(distExecs, env.namespace, 'gone-running');
    await world.waitForResults('gone-running', (_, __, object) => expect(object).toBeNull());
  });
});
