import { readFileSync } from 'node:fs';
import { isKubernetesError } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isAlive, World } from './harness.js';

describeWithControlPlane('DistExec failures, retries and timeouts', () => {
  const env = useTestNamespace({ prefix: 'dx-failures' });
  const world = new World(env);
  const nodeNames: string[] = [];

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b']) nodeNames.push(await world.createNode(suffix));
    await Promise.all(nodeNames.map((n) => world.startAgent(n)));
  });

  afterAll(() => world.tearDown());

  it("refuses at create an argv too large to leave room for the nodes' results", async () => {
    const refusal = await world
      .createDistExec('huge-argv', { argv: ['echo', ...Array(5).fill('x'.repeat(4096))] })
      .catch((error: unknown) => error);
    expect(isKubernetesError(refusal, 'Invalid')).toBe(true);
    expect(String((refusal as Error).message)).toMatch(/argv holds at most 16384 characters/);
  });

  it('refuses at create a nodeSelector no node can match, which would run nowhere in silence', async () => {
    for (const nodeSelector of [
      { 'os type': 'linux' },
      { 'kubernetes.io/os': 'linux amd64' },
      // Of the form, but a prefix longer than a DNS subdomain's 253 characters.
      { [`${'a'.repeat(300)}/os`]: 'linux' },
    ]) {
      const refusal = await world
        .createDistExec('nowhere', { shell: 'true', nodeSelector })
        .catch((error: unknown) => error);
      expect(isKubernetesError(refusal, 'Invalid'), JSON.stringify(nodeSelector)).toBe(true);
      expect(String((refusal as Error).message)).toMatch(/spec\.nodeSelector/);
    }
  });

  it('records a failing command with its exit code and stderr, after exactly retries + 1 attempts', async () => {
    const runs = world.path('failing');
    await world.createDistExec('failing', {
      shell: `echo run >> ${runs}.$NODE_NAME; echo partial; echo boom >&2; exit 3`,
      retries: 2,
    });
    const { results } = await world.waitForResults('failing', (results, summary, object) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
      expect(summary).toEqual({ nodes: 2, succeeded: 0, failed: 2, pending: 0 });
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({
        reason: 'Failed',
        exitCode: 3,
        stdout: 'partial\n',
        stderr: 'boom\n',
        attempts: 3,
        observedGeneration: 1,
      });
      expect(world.lines(`failing.${node}`)).toEqual(['run', 'run', 'run']);
    }
  });

  it('a command that succeeds on a retry is recorded as succeeded, with its attempts', async () => {
    const runs = world.path('flaky');
    // Fails the first time on each node, succeeds the second.
    await world.createDistExec('flaky', {
      shell: `echo run >> ${runs}.$NODE_NAME; [ "$DISTEXEC_ATTEMPT" = 2 ] || exit 1; echo ok`,
      retries: 5,
    });
    const { results } = await world.waitForResults('flaky', (_, summary) => {
      expect(summary?.succeeded).toBe(2);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ phase: 'Succeeded', attempts: 2, stdout: 'ok\n' });
      expect(world.lines(`flaky.${node}`)).toEqual(['run', 'run']);
    }
  });

  it('stops the whole process group at the timeout and records Timeout', async () => {
    const pids = world.path('timeout');
    await world.createDistExec('timeout', {
      shell: `echo $$ >> ${pids}.$NODE_NAME; sleep 600 & echo $! >> ${pids}.$NODE_NAME; wait`,
      timeoutSeconds: 1,
    });
    const { results } = await world.waitForResults('timeout', (results) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ reason: 'Timeout', exitCode: 137, attempts: 1 });
      expect(results[node]?.message).toMatch(/timeout of 1s/);
      // The script and the sleep it left in the background are both gone.
      const started = readFileSync(`${pids}.${node}`, 'utf8').split('\n').filter(Boolean);
      expect(started).toHaveLength(2);
      for (const pid of started) expect(isAlive(Number(pid))).toBe(false);
    }
  });

  it("records a program that cannot be run as failed, with the shell's exit code", async () => {
    await world.createDistExec('missing', { argv: ['/nonexistent/program', '-x'] });
    const { results } = await world.waitForResults('missing', (results) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ reason: 'Failed', exitCode: 127, attempts: 1 });
      expect(results[node]?.stderr).toMatch(/nonexistent/);
    }
  });

  it('refuses a spec it cannot run without running anything, once per generation', async () => {
    // Split as dist-exec splits, a leading space makes an empty program name.
    await world.createDistExec('invalid', { command: ' ls' });
    const { results } = await world.waitForResults('invalid', (results, summary, object) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
      expect(summary?.failed).toBe(2);
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ reason: 'InvalidSpec', attempts: 0 });
      expect(results[node]?.message).toMatch(/^spec\.command: starts with a space/);
    }
  });

  it('refuses an argv whose program name is empty, rather than retrying it forever', async () => {
    await world.createDistExec('empty-program', { argv: ['', 'ls'] });
    const { results } = await world.waitForResults('empty-program', (results, _, object) => {
      for (const node of nodeNames) expect(results[node]?.phase).toBe('Failed');
      expect(object?.metadata?.finalizers ?? []).toEqual([]);
    });
    for (const node of nodeNames) {
      expect(results[node]).toMatchObject({ reason: 'InvalidSpec', attempts: 0 });
      expect(results[node]?.message).toMatch(/^spec\.argv\.0: is empty/);
    }
  });

  it('the API server refuses a spec with more than one of command, argv and shell', async () => {
    const refused = await world.createDistExec('two', { command: 'ls', shell: 'ls' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isKubernetesError(refused, 'Invalid')).toBe(true);
    expect(String(refused)).toMatch(/exactly one of command, argv and shell/);
  });
});
