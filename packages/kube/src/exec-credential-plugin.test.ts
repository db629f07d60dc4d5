import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ExecCredentialError,
  type ExecCredentialPluginOptions,
  ExecPluginNotRunnableError,
  execCredentialPlugin,
} from './exec-credential-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'roundhouse-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A plugin that notes each run in `runs` (its pid), then does what `body` says. RUNS is the file,
 * EXPIRY an expirationTimestamp to print.
 */
function plugin(name: string, body: string) {
  const script = join(dir, `${name}.mjs`);
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';
     appendFileSync(process.env.RUNS, process.pid + '\\n');
     const credential = (token) => JSON.stringify({
       apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
       status: { token, ...(process.env.EXPIRY ? { expirationTimestamp: process.env.EXPIRY } : {}) },
     });
     ${body}`,
  );
  const runs = join(dir, `${name}.runs`);
  writeFileSync(runs, '');
  return {
    runs: () => readFileSync(runs, 'utf8').split('\n').filter(Boolean).map(Number),
    start: (options: ExecCredentialPluginOptions = {}, env: Record<string, string> = {}) =>
      execCredentialPlugin(
        {
          name: 'ci',
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: [script],
            env: Object.entries({ RUNS: runs, ...env }).map(([name, value]) => ({ name, value })),
          },
        },
        options,
      )!,
  };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
/** Alive, not a zombie: a killed grandchild waits for a PID 1 that may never reap it. */
const running = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

// Only the clock is faked: the plugins are real processes, and their timeout a real timer.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ExecCredentialPlugin', () => {
  it('runs once for every request waiting meanwhile, and again once the credential expires', async () => {
    const { runs, start } = plugin(
      'counting',
      `setTimeout(() => process.stdout.write(credential('token-' + process.pid)), 100);`,
    );
    const expiry = new Date(Date.now() + 60_000).toISOString();
    const exec = start({}, { EXPIRY: expiry });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => exec.credential()));
    const [first] = runs();
    expect(answers).toEqual(
      Array(5).fill({ token: `token-${first}`, expirationTimestamp: expiry }),
    );
    expect((await exec.credential()).token).toBe(`token-${first}`);
    expect(runs()).toHaveLength(1);
    vi.setSystemTime(Date.now() + 60_000);
    const rotated = await exec.credential();
    expect(runs()).toHaveLength(2);
    expect(rotated.token).toBe(`token-${runs()[1]}`);
  });

  it('runs again for the next request once the API server refused the credential', async () => {
    const { runs, start } = plugin(
      'refused',
      `process.stdout.write(credential('token-' + process.pid));`,
    );
    const exec = start();
    await exec.credential();
    await exec.credential();
    expect(runs()).toHaveLength(1);
    exec.forget();
    expect((await exec.credential()).token).toBe(`token-${runs()[1]}`);
  });

  it('keeps a credential newer than the one refused, and forgets the one refused', async () => {
    const { runs, start } = plugin(
      'refused-late',
      `process.stdout.write(credential('token-' + process.pid));`,
    );
    const exec = start();
    const kept = await exec.credential();
    // A request sent with a token the plugin has since replaced.
    exec.forget('Bearer token-earlier');
    expect(await exec.credential()).toEqual(kept);
    expect(runs()).toHaveLength(1);
    exec.forget(`Bearer ${kept.token}`);
    expect((await exec.credential()).token).toBe(`token-${runs()[1]}`);
  });

  it('kills a plugin that hangs, once for all its waiters, and backs off before running it again', async () => {
    const { runs, start } = plugin('hanging', 'setInterval(() => {}, 1_000);');
    // Long enough for Node to start and note its run on a loaded machine (300 ms was not, in CI).
    const exec = start({ timeoutMs: 3_000, backoffMs: 1_000 });
    const command = `the exec credential plugin "${process.execPath}" (users[ci].user.exec)`;
    const errors = await Promise.all([1, 2, 3].map(() => failure(exec.credential())));
    for (const error of errors) {
      expect(error).toBeInstanceOf(ExecCredentialError);
      expect(error).toMatchObject({
        reason: 'CredentialPluginFailed',
        retryable: true,
        message: `${command} gave no credential within 3000 ms and was killed`,
        command: process.execPath,
        killed: 'timeout',
      });
    }
    const [pid] = runs();
    expect(runs()).toHaveLength(1);
    await vi.waitFor(() => expect(running(pid!)).toBe(false));
    // Within the backoff a request fails at once, without a run.
    expect(await failure(exec.credential())).toMatchObject({
      message: `${command} gave no credential within 3000 ms and was killed; it runs again in 1 s`,
    });
    expect(runs()).toHaveLength(1);
    vi.setSystemTime(Date.now() + 1_000);
    await failure(exec.credential());
    expect(runs()).toHaveLength(2);
    // The wait doubles with each failure in a row.
    expect(await failure(exec.credential())).toMatchObject({
      message: expect.stringMatching(/; it runs again in 2 s$/),
    });
  });

  it('kills what a hanging plugin started too, which would hold its output open', async () => {
    const { runs, start } = plugin(
      'wrapper',
      `import { spawn } from 'node:child_process';
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1_000)'], {
         stdio: ['ignore', 'inherit', 'ignore'],
       });
       appendFileSync(process.env.RUNS, child.pid + '\\n');
       setInterval(() => {}, 1_000);`,
    );
    // Long enough for both processes to start and note their runs on a loaded machine.
    const exec = start({ timeoutMs: 3_000 });
    expect(await failure(exec.credential())).toBeInstanceOf(ExecCredentialError);
    await vi.waitFor(() => expect(runs()).toHaveLength(2));
    for (const pid of runs()) await vi.waitFor(() => expect(running(pid)).toBe(false));
  });

  it('kills a plugin that prints more than any credential holds, and what it started', async () => {
    const { runs, start } = plugin(
      'endless',
      `import { spawn } from 'node:child_process';
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1_000)'], {
         stdio: ['ignore', 'inherit', 'ignore'],
       });
       appendFileSync(process.env.RUNS, child.pid + '\\n');
       const line = 'token-0123456789'.repeat(64) + '\\n';
       const write = () => process.stdout.write(line, write);
       write();`,
    );
    // The timeout is far off: only the output ceiling can end this run.
    const exec = start({ timeoutMs: 600_000, maxOutputBytes: 64 * 1024 });
    expect(await failure(exec.credential())).toMatchObject({
      reason: 'CredentialPluginFailed',
      message: `the exec credential plugin "${process.execPath}" (users[ci].user.exec) printed more than 65536 bytes and was killed`,
      command: process.execPath,
      killed: 'output',
    });
    await vi.waitFor(() => expect(runs()).toHaveLength(2));
    for (const pid of runs()) await vi.waitFor(() => expect(running(pid)).toBe(false));
  });

  it('says which plugin failed and how, never what it printed', async () => {
    const exiting = plugin(
      'exiting',
      `process.stdout.write(credential('leaked-token')); process.exit(3);`,
    );
    const garbled = plugin('garbled', `process.stdout.write('token: leaked-token');`);
    const command = `the exec credential plugin "${process.execPath}" (users[ci].user.exec)`;
    const exited = await failure(exiting.start().credential());
    expect(exited).toMatchObject({
      reason: 'CredentialPluginFailed',
      message: `${command} exited with code 3; its own message is on standard error`,
      killed: undefined,
    });
    const printed = await failure(garbled.start().credential());
    expect(printed).toMatchObject({
      reason: 'CredentialPluginFailed',
      message: `${command} printed no ExecCredential with a status.token or a status.clientCertificateData and clientKeyData`,
    });
    expect(JSON.stringify([exited, printed, String(exited), String(printed)])).not.toContain(
      'leaked-token',
    );
  });

  it('names a command that cannot be run with its install hint, and an exec section without one', async () => {
    const missing = execCredentialPlugin({
      name: 'ci',
      exec: {
        command: join(dir, 'no-such-plugin'),
        args: ['get-token', '--oidc-client-secret=client-secret-1f2e'],
        installHint: 'install it with brew',
      },
    })!;
    const error = await failure(missing.credential());
    expect(error).toBeInstanceOf(ExecPluginNotRunnableError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      message: `users[ci].user.exec.command: "${join(dir, 'no-such-plugin')}" cannot be run (ENOENT); install it with brew`,
      command: join(dir, 'no-such-plugin'),
      code: 'ENOENT',
    });
    // Nothing it carries holds the arguments, as Node's spawn error does (spawnargs).
    const written: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      written.push(e.message, e.stack ?? '', JSON.stringify(e));
    }
    expect(written.join('\n')).not.toContain('client-secret-1f2e');
    expect(() => execCredentialPlugin({ name: 'ci', exec: { args: ['token'] } })).toThrow(
      new ConfigurationError({
        path: 'users[ci].user.exec.command',
        message: 'is required (expected string)',
      }),
    );
  });
});
