import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTaskActionCrd } from '../examples/taskaction-controller/src/install.js';
import { ensureTaskRunCrds } from '../examples/taskrun-controller/src/install.js';
import { ControllerProcess } from './example-controller/controller-process.js';

const root = new URL('..', import.meta.url).pathname;
const patience = { timeout: 60_000, interval: 200 };

interface Main {
  readonly path: string;
  /** Flags it cannot start without, given a scratch directory. */
  readonly flags: (dir: string) => string[];
  readonly env?: Record<string, string>;
}

const mains: Record<string, Main> = {
  'TaskAction controller': {
    path: 'examples/taskaction-controller/src/main.ts',
    flags: (dir) => [`--events-file=${join(dir, 'events.jsonl')}`],
  },
  'TaskRun controller': { path: 'examples/taskrun-controller/src/main.ts', flags: () => [] },
  'DistExec agent': {
    path: 'examples/distexec-controller/src/agent-main.ts',
    flags: (dir) => [`--data-dir=${join(dir, 'data')}`],
    env: { NODE_NAME: 'node-a' },
  },
  'DistExec Job controller': {
    path: 'examples/distexec-controller/src/job-main.ts',
    flags: () => ['--job-resource-limits=cpu=500m,memory=256Mi'],
  },
};

let dirs: string[] = [];
let processes: ControllerProcess[] = [];

/** Runs an example's entry point as its image does, with only the environment given here. */
function startMain(main: Main, dir: string, args: string[], env: Record<string, string>) {
  const proc = new ControllerProcess(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@roundhouse/source',
      join(root, main.path),
      '--health-port=0',
      ...main.flags(dir),
      ...args,
    ],
    { env: { PATH: process.env.PATH ?? '', HOME: dir, ...main.env, ...env } },
  );
  processes.push(proc);
  return proc;
}

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'roundhouse-mains-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const proc of processes) proc.kill();
  processes = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** The fatal line a main that cannot start ends with (a warning may come first), exit 1. */
async function fatalLine(proc: ControllerProcess): Promise<string> {
  expect(await proc.closed).toBe(1);
  expect(proc.stderr).toBe('');
  const fatal = proc.lines.filter((line) => line.level === 'fatal');
  expect(fatal).toHaveLength(1);
  expect(proc.lines.at(-1)).toBe(fatal[0]);
  expect(fatal[0]).not.toHaveProperty('err');
  return fatal[0]?.msg as string;
}

describe('the example controllers with no kubeconfig to be found', () => {
  // client-node's loadFromDefault would settle on http://localhost:8080 and retry it for ever.
  it.each(Object.entries(mains))('%s exits at once, saying what to provide', async (_, main) => {
    const message = await fatalLine(startMain(main, scratch(), [], {}));
    expect(message).toBe(
      'cannot run: kubeconfig: no kubeconfig found: set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount',
    );
  });

  it('names a --kubeconfig that does not exist', async () => {
    const proc = startMain(
      mains['TaskRun controller'] as Main,
      scratch(),
      ['--kubeconfig=/nonexistent/kubeconfig'],
      {},
    );
    expect(await fatalLine(proc)).toBe(
      'cannot run: kubeconfig: /nonexistent/kubeconfig does not exist',
    );
  });
});

describe('the example controllers with bad flags', () => {
  it.each(Object.entries(mains))(
    '%s exits 2 naming each on stderr, before it looks for a cluster',
    async (_, main) => {
      const proc = startMain(main, scratch(), ['--wokers=2', '--workers=0'], {});
      expect(await proc.closed).toBe(2);
      expect(proc.stderr).toMatch(
        /^[a-z-]+: invalid flags\n {2}--wokers: unknown flag; the flags are /,
      );
      expect(proc.stderr).toMatch(/\n {2}--workers: .*>=1/);
      expect(proc.stderr).not.toMatch(/\bat /);
      expect(proc.lines).toEqual([]);
    },
  );
});

describe('the example controllers asked for --help', () => {
  it.each(Object.entries(mains))(
    '%s prints every flag it takes and exits 0, starting nothing',
    async (_, main) => {
      const proc = startMain(main, scratch(), ['--help'], {});
      expect(await proc.closed).toBe(0);
      expect(proc.stderr).toBe('');
      expect(proc.lines).toEqual([]);
      expect(proc.stdout).toMatch(/^Usage: [a-z-]+ \[flags\]\n/);
      for (const flag of ['--kubeconfig=VALUE', '--workers=VALUE', '--health-port=VALUE'])
        expect(proc.stdout).toContain(flag);
    },
  );
});

describeWithControlPlane('the example controllers with a kubeconfig', () => {
  const env = useTestNamespace({ prefix: 'mains' });

  beforeAll(async () => {
    const client = new KubeClient(env.kubeConfig);
    await ensureTaskActionCrd(client);
    await ensureTaskRunCrds(client);
  });

  it.each([
    ['TaskAction controller', 'KUBECONFIG'],
    ['TaskRun controller', '--kubeconfig'],
  ])('%s finds it through %s, becomes ready and stops on SIGTERM', async (name, through) => {
    const dir = scratch();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, env.kubeConfig.exportConfig(), { mode: 0o600 });
    const main = mains[name] as Main;
    const namespace = `--watch-namespace=${env.namespace}`;
    const proc =
      through === 'KUBECONFIG'
        ? startMain(main, dir, [namespace], { KUBECONFIG: kubeconfig })
        : startMain(main, dir, [namespace, `--kubeconfig=${kubeconfig}`], {});
    await vi.waitFor(async () => {
      expect(proc.port, proc.stderr).toBeDefined();
      expect((await proc.get('/readyz')).status).toBe(200);
    }, patience);
    // Started without --allowed-images, it runs nothing, and says so once.
    const warnings = proc.lines.filter((line) => /allowed images/.test(String(line.msg)));
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(/^no allowed images: every Task/),
      }),
    ]);
    // On a failure, the controller's last lines and its standard error say why it did not stop
    // cleanly.
    const code = await proc.stop();
    expect(code, `${JSON.stringify(proc.lines.slice(-3))}\n${proc.stderr}`).toBe(0);
    expect(proc.lines.at(-1)?.msg).toBe('stopped');
  });

  it('TaskRun controller stops cleanly on a SIGTERM that comes while it is still opening its watches', async () => {
    // A kubelet stops a pod whenever it likes. Stopping aborts watches that have just gone out,
    // and the client closes its connections right after: the undici before 8.14 left such a
    // stream open, and the response that reached it later crashed the closing process (1 stop
    // in 10 to 20, so the test stops it 20 times, each a little later).
    const dir = scratch();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, env.kubeConfig.exportConfig(), { mode: 0o600 });
    const main = mains['TaskRun controller'] as Main;
    const stops: { code: number | null; last: unknown; stderr: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const proc = startMain(
        main,
        dir,
        [`--watch-namespace=${env.namespace}`, `--kubeconfig=${kubeconfig}`],
        {},
      );
      await vi.waitFor(
        () => expect(proc.lines.some((line) => line.msg === 'controller started')).toBe(true),
        { timeout: 60_000, interval: 1 },
      );
      await sleep(i * 2);
      const code = await proc.stop();
      stops.push({ code, last: proc.lines.at(-1)?.msg, stderr: proc.stderr });
    }
    expect(stops).toEqual(Array(20).fill({ code: 0, last: 'stopped', stderr: '' }));
    // Twenty tsx starts take well over the default timeout on a loaded 2-core machine.
  }, 300_000);
});
