import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  isLoopback,
  loadAgentConfig,
  parseListenAddress,
  requireAuthentication,
} from './agent-config.js';

describe('the agent configuration', () => {
  it("defaults to OpenSandbox's values", () => {
    expect(loadAgentConfig([], {})).toEqual({
      dataDir: '/var/lib/sandbox/tasks',
      listenAddr: { host: '0.0.0.0', port: 5758 },
      reconcileInterval: 500,
      gracePeriod: 10_000,
      enableSidecarMode: false,
      mainContainerName: 'main',
      enableContainerMode: false,
      maxConcurrentTasks: 0,
      rerunLostTasks: false,
      insecureNoAuth: false,
    });
  });

  it('takes a concurrency limit from a flag or the environment', () => {
    expect(loadAgentConfig(['--max-concurrent-tasks=1'], {}).maxConcurrentTasks).toBe(1);
    expect(loadAgentConfig([], { MAX_CONCURRENT_TASKS: '4' }).maxConcurrentTasks).toBe(4);
  });

  it('reads environment variables, and flags over them', () => {
    const env = {
      DATA_DIR: '/env',
      LISTEN_ADDR: '127.0.0.1:1',
      ENABLE_SIDECAR_MODE: 'true',
      MAIN_CONTAINER_NAME: 'app',
      AUTH_TOKEN_FILE: '/token',
    };
    expect(loadAgentConfig(['--data-dir=/flag', '--listen-addr', '[::1]:9000'], env)).toMatchObject(
      {
        dataDir: '/flag',
        listenAddr: { host: '::1', port: 9000 },
        enableSidecarMode: true,
        mainContainerName: 'app',
        authTokenFile: '/token',
      },
    );
  });

  it('takes boolean flags bare or with a value, as Go does', () => {
    expect(loadAgentConfig(['--enable-sidecar-mode'], {}).enableSidecarMode).toBe(true);
    expect(loadAgentConfig(['--enable-container-mode'], {}).enableContainerMode).toBe(true);
    expect(
      loadAgentConfig(['--enable-sidecar-mode=false'], { ENABLE_SIDECAR_MODE: 'true' })
        .enableSidecarMode,
    ).toBe(false);
  });

  it('re-runs lost tasks only when asked, by a flag or the environment', () => {
    expect(loadAgentConfig(['--rerun-lost-tasks'], {}).rerunLostTasks).toBe(true);
    expect(loadAgentConfig([], { RERUN_LOST_TASKS: 'true' }).rerunLostTasks).toBe(true);
    expect(
      loadAgentConfig(['--rerun-lost-tasks=false'], { RERUN_LOST_TASKS: 'true' }).rerunLostTasks,
    ).toBe(false);
  });

  it('serves without a token beyond loopback only when asked, by a flag or the environment', () => {
    expect(loadAgentConfig(['--insecure-no-auth'], {}).insecureNoAuth).toBe(true);
    expect(loadAgentConfig([], { INSECURE_NO_AUTH: 'true' }).insecureNoAuth).toBe(true);
    expect(
      loadAgentConfig(['--insecure-no-auth=false'], { INSECURE_NO_AUTH: 'true' }).insecureNoAuth,
    ).toBe(false);
  });

  it('reads durations as Go durations', () => {
    expect(loadAgentConfig(['--reconcile-interval=2s', '--grace-period=1m'], {})).toMatchObject({
      reconcileInterval: 2000,
      gracePeriod: 60_000,
    });
  });

  it.each([
    [['--listen-addr=nowhere'], '--listen-addr (LISTEN_ADDR)'],
    [['--reconcile-interval=5'], '--reconcile-interval (RECONCILE_INTERVAL)'],
    [['--grace-period=0s'], '--grace-period (GRACE_PERIOD)'],
    [['--enable-sidecar-mode=maybe'], '--enable-sidecar-mode (ENABLE_SIDECAR_MODE)'],
    [['--max-concurrent-tasks=-1'], '--max-concurrent-tasks (MAX_CONCURRENT_TASKS)'],
    [['--max-concurrent-tasks=1.5'], '--max-concurrent-tasks (MAX_CONCURRENT_TASKS)'],
    [['--rerun-lost-tasks=sometimes'], '--rerun-lost-tasks (RERUN_LOST_TASKS)'],
    [['--insecure-no-auth=please'], '--insecure-no-auth (INSECURE_NO_AUTH)'],
    [['--unknown=1'], 'flags'],
  ])('refuses %j naming %s', (argv, path) => {
    let error: unknown;
    try {
      loadAgentConfig(argv, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues[0]?.path).toBe(path);
  });
});

describe('listen addresses', () => {
  it('parses host:port, [v6]:port and :port', () => {
    expect(parseListenAddress('0.0.0.0:5758')).toEqual({ host: '0.0.0.0', port: 5758 });
    expect(parseListenAddress('[::]:80')).toEqual({ host: '::', port: 80 });
    expect(parseListenAddress(':0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListenAddress('host')).toBeUndefined();
    expect(parseListenAddress('h:70000')).toBeUndefined();
  });

  it('knows which hosts only this machine reaches', () => {
    const loopback = ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', 'localhost'];
    const mapped = ['::ffff:127.0.0.1', '::FFFF:127.9.8.7', '::ffff:7f00:1'];
    expect([...loopback, ...mapped].filter((host) => !isLoopback(host))).toEqual([]);
    const reachable = ['0.0.0.0', '::', '10.0.0.5', '::ffff:10.0.0.5', 'example.com'];
    const lookalikes = ['127.0.0.1.nip.io', '0177.0.0.1', '::2', 'fe80::1%eth0'];
    expect([...reachable, ...lookalikes].filter(isLoopback)).toEqual([]);
  });
});

describe('authentication', () => {
  const config = (argv: string[]) => loadAgentConfig(argv, {});

  it('refuses to serve beyond loopback without a token, naming the flags that fix it', () => {
    let error: unknown;
    try {
      requireAuthentication(config([]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const [issue] = (error as ConfigurationError).issues;
    expect(issue?.path).toBe('--auth-token-file (AUTH_TOKEN_FILE)');
    for (const flag of ['--listen-addr', '0.0.0.0', '127.0.0.1', '--insecure-no-auth']) {
      expect(issue?.message).toContain(flag);
    }
  });

  it('serves with a token, on loopback, or when told to serve without one', () => {
    for (const argv of [
      ['--auth-token-file=/token'],
      ['--listen-addr=127.0.0.1:5758'],
      ['--listen-addr=[::1]:5758'],
      ['--listen-addr=[::ffff:127.0.0.1]:5758'],
      ['--insecure-no-auth'],
    ]) {
      expect(() => requireAuthentication(config(argv)), argv.join(' ')).not.toThrow();
    }
    expect(() => requireAuthentication(config(['--listen-addr=[::]:5758']))).toThrow(
      ConfigurationError,
    );
  });
});
