import { writeFileSync } from 'node:fs';
import { isKubernetesError } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { distExecs } from '../src/resource.js';
import { World } from './harness.js';

/** A script that notes each run in `<file>.<node>` and prints who ran it. */
const noteRun = (world: World, file: string, extra = '') =>
  `echo run >> ${world.path(file)}.$NODE_NAME; ${extra}echo "hello from $NODE_NAME"`;

describeWithControlPlane('DistExec node agents', () => {
  const env = useTestNamespace({ prefix: 'dx-agents' });
  const world = new World(env);
  const nodeNames: string[] = [];

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b', 'c']) nodeNames.push(await world.createNode(suffix));
    await Promise.all(nodeNames.map((n) => world.startAgent(n)));
  });

  afterAll(() => world.tearDown());

  it("fills exactly one entry per node, each with that node's output", async () => {
    await world.createDistExec('fan-out', { shell: noteRun(world, 'fan-out') });
    const { results } = await world.waitForResults('fan-out', (results, summary, object) => {
      expect(Object.keys(results).sort()).toEqual(nodeNames);
      for (const entry of Object.values(results)) expect(entry.phase).toBe('Succeeded');
      expect(summary).toEqual({ nodes: 3, succeeded: 3, failed: 0, pending: 0 });
      // Finished everywhere: no node holds its finalizer any more.
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({
        phase: 'Succeeded',
        reason: 'Completed',
        exitCode: 0,
        stdout: `hello from ${node}\n`,
        stderr: '',
        attempts: 1,
        observedGeneration: 1,
      });
      expect(results[node]?.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(world.lines(`fan-out.${node}`)).toEqual(['run']);
    }
  });

  it("warns at start that agent mode is one trust domain, and its token reaches no other namespace's DistExecs", async () => {
    const started = world.agents[0];
    expect(started?.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        watchNamespace: env.namespace,
        msg: expect.stringContaining(
          `anyone who may create a DistExec in namespace ${env.namespace}`,
        ),
      }),
    );
    const agent = world.agentClient;
    try {
      await expect(agent.list(distExecs, env.namespace)).resolves.toBeDefined();
      for (const namespace of [undefined, 'default']) {
        const refused = await agent.list(distExecs, namespace).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(isKubernetesError(refused, 'Forbidden')).toBe(true);
      }
    } finally {
      await agent.close();
    }
  });

  it('splits `command` on single spaces as dist-exec does, with no shell', async () => {
    await world.createDistExec('split', { command: 'echo $NODE_NAME  two' });
    const { results } = await world.waitForResults('split', (results) => {
      expect(Object.values(results).map((r) => r.phase)).toEqual([
        'Succeeded',
        'Succeeded',
        'Succeeded',
      ]);
    });
    // No shell: the variable is not expanded, and two spaces make an empty argument.
    for (const node of nodeNames) expect(results[node]?.stdout).toBe('$NODE_NAME  two\n');
  });

  it('loses no entry when every agent writes to many DistExecs at once', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `burst-${i}`);
    await Promise.all(
      names.map((name) => world.createDistExec(name, { shell: noteRun(world, name) })),
    );
    for (const name of names) {
      await world.waitForResults(name, (results, summary) => {
        expect(Object.keys(results).sort()).toEqual(nodeNames);
        expect(summary?.succeeded).toBe(3);
      });
      for (const node of nodeNames) expect(world.lines(`${name}.${node}`)).toEqual(['run']);
    }
  });

  it('re-runs everywhere on a spec change, replacing every entry, and not on a metadata change or the same spec applied again', async () => {
    const created = await world.createDistExec('change', { shell: noteRun(world, 'change') });
    await world.waitForResults('change', (_, summary) => expect(summary?.succeeded).toBe(3));
    const name = created.metadata?.name as string;
    await world.admin.patch(
      distExecs,
      env.namespace,
      name,
      { metadata: { labels: { touched: 'yes' } }, spec: { shell: noteRun(world, 'change') } },
      { strategy: 'merge' },
    );
    await world.admin.patch(
      distExecs,
      env.namespace,
      name,
      { spec: { shell: noteRun(world, 'change', 'echo second; ') } },
      { strategy: 'merge' },
    );
    const { results } = await world.waitForResults('change', (results, summary) => {
      for (const node of nodeNames) expect(results[node]?.observedGeneration).toBe(2);
      expect(summary).toEqual({ nodes: 3, succeeded: 3, failed: 0, pending: 0 });
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ attempts: 1, stdout: `second\nhello from ${node}\n` });
      // Once for generation 1 and once for generation 2; the label change and the same spec
      // applied again ran nothing.
      expect(world.lines(`change.${node}`)).toEqual(['run', 'run']);
    }
  });

  it('a restarted agent re-runs nothing: what ran is read from the status', async () => {
    await world.createDistExec('restart', { shell: noteRun(world, 'restart') });
    await world.waitForResults('restart', (_, summary) => expect(summary?.succeeded).toBe(3));
    const [node] = nodeNames as [string];
    const before = world.agents.find((a) => a.nodeName === node && a.child.exitCode === null);
    await before?.stop('SIGTERM');
    expect(before?.lines.at(-1)?.msg).toBe('stopped');

    const after = await world.startAgent(node, before?.dataDir);
    await vi.waitFor(
      () => {
        const seen = after.lines.find(
          (l) => l.key === `${env.namespace}/restart` && l.msg === 'assessed',
        );
        expect(seen?.step).toBe('settled');
      },
      { timeout: 90_000, interval: 100 },
    );
    expect(world.lines(`restart.${node}`)).toEqual(['run']);
  });

  it('an agent killed mid-command adopts it after restarting and records its real outcome, once', async () => {
    const gate = world.path('gate');
    await world.createDistExec('adopt', {
      shell: `${noteRun(world, 'adopt')}; until [ -e ${gate} ]; do sleep 0.1; done; echo done; exit 4`,
      timeoutSeconds: 120,
    });
    const [node] = nodeNames as [string];
    await world.waitForResults('adopt', (results) => expect(results[node]?.phase).toBe('Running'));
    // Running is recorded once the process started, which may be before its first line ran.
    await vi.waitFor(() => expect(world.lines(`adopt.${node}`)).toEqual(['run']), {
      timeout: 30_000,
      interval: 100,
    });
    const before = world.agents.find((a) => a.nodeName === node && a.child.exitCode === null);
    await before?.stop('SIGKILL');

    await world.startAgent(node, before?.dataDir);
    writeFileSync(gate, '');
    const { results } = await world.waitForResults('adopt', (results) => {
      expect(results[node]?.phase).toBe('Failed');
    });
    expect(results[node]).toMatchObject({ reason: 'Failed', exitCode: 4, attempts: 1 });
    expect(results[node]?.stdout).toContain('done\n');
    expect(world.lines(`adopt.${node}`)).toEqual(['run']);
  });
});
