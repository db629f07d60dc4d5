/**
 * Past 350 lines: the cases of one parser, the agent's flags and environment, flag by flag.
 */
import { ConfigurationError } from '@roundhouse/core';
import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import {
  agentUsage,
  asksForAgentHelp,
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
      retainedLogBytes: 8 * 1024 * 1024,
      maxConnections: 256,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      ignored: [],
    });
  });

  it('takes the connection limits from flags or the environment', () => {
    expect(
      loadAgentConfig(['--max-connections=8', '--headers-timeout=2s', '--keep-alive-timeout=1s'], {
        REQUEST_TIMEOUT: '1m',
      }),
    ).toMatchObject({
      maxConnections: 8,
      headersTimeout: 2_000,
      requestTimeout: 60_000,
      keepAliveTimeout: 1_000,
    });
  });

  it.each([
    [['--max-connections=0'], '--max-connections (MAX_CONNECTIONS)', 'must be at least 1'],
    [['--max-connections=-1'], '--max-connections (MAX_CONNECTIONS)', 'must be a whole number'],
    [
      ['--headers-timeout=0s'],
      '--headers-timeout (HEADERS_TIMEOUT)',
      'the headers timeout must be positive',
    ],
    [
      ['--headers-timeout=31s'],
      '--headers-timeout (HEADERS_TIMEOUT)',
      'must not be longer than --request-timeout (REQUEST_TIMEOUT), which bounds the headers too',
    ],
  ])('refuses the connection limits %j, naming the flag', (argv, path, message) => {
    let error: unknown;
    try {
      loadAgentConfig(argv, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([{ path, message }]);
  });

  it('takes how much of each task output to keep from a flag or the environment', () => {
    expect(loadAgentConfig(['--retained-log-bytes=65536'], {}).retainedLogBytes).toBe(65_536);
    expect(loadAgentConfig([], { RETAINED_LOG_BYTES: '1073741824' }).retainedLogBytes).toBe(
      1024 * 1024 * 1024,
    );
    expect(
      loadAgentConfig(['-retained-log-bytes', '131072'], { RETAINED_LOG_BYTES: '65536' })
        .retainedLogBytes,
    ).toBe(131_072);
  });

  it.each([
    ['0', 'must be from 65536 (64 KiB) to 1073741824 (1 GiB) bytes'],
    ['65535', 'must be from 65536 (64 KiB) to 1073741824 (1 GiB) bytes'],
    ['1073741825', 'must be from 65536 (64 KiB) to 1073741824 (1 GiB) bytes'],
    ['8MiB', 'must be a whole number of bytes, such as 8388608 (8 MiB)'],
    ['-65536', 'must be a whole number of bytes, such as 8388608 (8 MiB)'],
    ['', 'must be a whole number of bytes, such as 8388608 (8 MiB)'],
  ])('refuses to keep %j bytes of task output, naming the flag', (value, message) => {
    const expected = [{ path: '--retained-log-bytes (RETAINED_LOG_BYTES)', message }];
    for (const [argv, env] of [
      [[`--retained-log-bytes=${value}`], {}],
      [[], { RETAINED_LOG_BYTES: value }],
    ] as const) {
      let error: unknown;
      try {
        loadAgentConfig(argv, env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).issues).toEqual(expected);
    }
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
    [['--reconcile-interval=720h'], '--reconcile-interval (RECONCILE_INTERVAL)'],
    [['--keep-alive-timeout=1000h'], '--keep-alive-timeout (KEEP_ALIVE_TIMEOUT)'],
    [['--enable-sidecar-mode=maybe'], '--enable-sidecar-mode (ENABLE_SIDECAR_MODE)'],
    [['--max-concurrent-tasks=-1'], '--max-concurrent-tasks (MAX_CONCURRENT_TASKS)'],
    [['--max-concurrent-tasks=1.5'], '--max-concurrent-tasks (MAX_CONCURRENT_TASKS)'],
    [['--rerun-lost-tasks=sometimes'], '--rerun-lost-tasks (RERUN_LOST_TASKS)'],
    [['--insecure-no-auth=please'], '--insecure-no-auth (INSECURE_NO_AUTH)'],
    [['--unknown=1'], '--unknown'],
    [['-unknown', 'x'], '-unknown'],
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

/** What a user who starts the agent with OpenSandbox's command lines sees. */
describe("OpenSandbox's command lines", () => {
  const issues = (argv: string[], env: Record<string, string> = {}) =>
    configurationIssuesOf(() => loadAgentConfig(argv, env));

  it("start the agent with its sample Pool's arguments (config/samples/sandbox_v1alpha1_pool.yaml)", () => {
    const sample = ['-listen-addr=0.0.0.0:5758'];
    expect(loadAgentConfig(sample, {})).toEqual(loadAgentConfig([], {}));
    // Beyond loopback the agent wants a token, or to be told to serve without one; both are
    // environment variables, so the sample's command line stays as it is.
    expect(() => requireAuthentication(loadAgentConfig(sample, {}))).toThrow(/--auth-token-file/);
    for (const env of [{ AUTH_TOKEN_FILE: '/token' }, { INSECURE_NO_AUTH: 'true' }]) {
      expect(() => requireAuthentication(loadAgentConfig(sample, env))).not.toThrow();
    }
    expect(loadAgentConfig(['-listen-addr=127.0.0.1:6000'], {}).listenAddr).toEqual({
      host: '127.0.0.1',
      port: 6000,
    });
  });

  it('take single or double dashes, a value after "=" or as the next argument', () => {
    const expected = {
      dataDir: '/x',
      listenAddr: { host: '10.0.0.1', port: 80 },
      enableSidecarMode: true,
      mainContainerName: 'my-main-app',
    };
    for (const argv of [
      [
        '-data-dir',
        '/x',
        '-listen-addr=10.0.0.1:80',
        '-enable-sidecar-mode',
        '-main-container-name',
        'my-main-app',
      ],
      [
        '--data-dir=/x',
        '--listen-addr',
        '10.0.0.1:80',
        '--enable-sidecar-mode=true',
        '--main-container-name=my-main-app',
      ],
      [
        '-data-dir=/x',
        '-listen-addr',
        '10.0.0.1:80',
        '-enable-sidecar-mode=T',
        '-main-container-name=my-main-app',
      ],
    ]) {
      expect(loadAgentConfig(argv, {}), argv.join(' ')).toMatchObject(expected);
    }
    expect(
      loadAgentConfig(['-enable-sidecar-mode=false'], { ENABLE_SIDECAR_MODE: 'true' })
        .enableSidecarMode,
    ).toBe(false);
    expect(loadAgentConfig(['-rerun-lost-tasks', '-max-concurrent-tasks', '1'], {})).toMatchObject({
      rerunLostTasks: true,
      maxConcurrentTasks: 1,
    });
  });

  it('accept the flags that do nothing here, and list them for the warning at start', () => {
    const config = loadAgentConfig(
      [
        '-cri-socket',
        '/run/containerd/containerd.sock',
        '--log-dir=/logs',
        '-log-max-size=50',
        '--log-max-backups',
        '3',
        '-log-max-age=7',
        '-data-dir=/x',
      ],
      { CRI_SOCKET: '/run/other.sock' },
    );
    expect(config.dataDir).toBe('/x');
    expect(config.ignored).toEqual([
      '--cri-socket',
      '--log-dir',
      '--log-max-size',
      '--log-max-backups',
      '--log-max-age',
      'CRI_SOCKET',
    ]);
    expect(loadAgentConfig(['-data-dir=/x'], {}).ignored).toEqual([]);
  });

  it('refuse a flag neither agent has, naming it as written, with every other problem', () => {
    expect(issues(['-listen=0.0.0.0:1', '--log-max-size=50MB', '-data-dir'])).toEqual([
      { path: '-data-dir', message: expect.stringContaining('needs a value') },
      {
        path: '-listen',
        message: expect.stringMatching(/^unknown flag; the flags are --data-dir, /),
      },
      { path: '--log-max-size', message: 'must be a whole number, not "50MB"' },
    ]);
  });

  it('refuse a stray argument, saying where a boolean takes its value', () => {
    expect(issues(['-enable-sidecar-mode', 'true'])).toEqual([
      {
        path: 'arguments',
        message: expect.stringContaining(
          'a boolean flag takes its value after "=": -enable-sidecar-mode=true',
        ),
      },
    ]);
    expect(issues(['serve'])[0]?.message).toMatch(/^unexpected argument "serve"/);
  });

  it('ask for help with -h, -help or --help, which lists every flag', () => {
    expect(['-h', '-help', '--help'].every((arg) => asksForAgentHelp([arg]))).toBe(true);
    expect(asksForAgentHelp(['-data-dir=/x'])).toBe(false);
    for (const text of ['--data-dir (DATA_DIR), default /var/lib/sandbox/tasks', '--cri-socket']) {
      expect(agentUsage()).toContain(text);
    }
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

  it('refuses sidecar mode without a token even on loopback, which the main container shares', () => {
    // A process of the main container (a Remote task's, say) would reach 127.0.0.1:5758 and
    // create a Local task: a command in the agent's own container, beside every task's records.
    for (const listen of ['--listen-addr=127.0.0.1:5758', '--listen-addr=[::1]:5758']) {
      let error: unknown;
      try {
        requireAuthentication(config(['--enable-sidecar-mode', listen]));
      } catch (e) {
        error = e;
      }
      expect(error, listen).toBeInstanceOf(ConfigurationError);
      const [issue] = (error as ConfigurationError).issues;
      expect(issue?.path).toBe('--auth-token-file (AUTH_TOKEN_FILE)');
      expect(issue?.message).toMatch(/^required with --enable-sidecar-mode .*loopback/);
      expect(issue?.message).toContain('--insecure-no-auth');
      expect(issue?.message).not.toContain('listen on 127.0.0.1');
    }
    for (const argv of [
      ['--enable-sidecar-mode', '--listen-addr=127.0.0.1:5758', '--auth-token-file=/token'],
      ['--enable-sidecar-mode', '--listen-addr=127.0.0.1:5758', '--insecure-no-auth'],
    ]) {
      expect(() => requireAuthentication(config(argv)), argv.join(' ')).not.toThrow();
    }
  });
});
