import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from './config-agent.js';

const host = () => 'worker-7';
const start = (argv: string[], env: Record<string, string> = { NODE_NAME: 'worker-1' }) =>
  loadAgentConfig(argv, env, host);

const issues = (argv: string[], env: Record<string, string> = { NODE_NAME: 'n' }) =>
  configurationIssuesOf(() => loadAgentConfig(argv, env, host));

describe('the node agent started as dist-exec is', () => {
  it("takes the manager's arguments from dist-exec's DaemonSet: probes on 8081, metrics beside them", () => {
    const { config, ignored } = start([
      '--health-probe-bind-address=:8081',
      '--metrics-bind-address=127.0.0.1:8080',
    ]);
    expect(config).toMatchObject({ nodeName: 'worker-1', healthPort: 8081 });
    expect(ignored).toEqual([
      '--metrics-bind-address=127.0.0.1:8080 (metrics are served at /metrics on the health port, 8081)',
    ]);
  });

  it('reads flags as Go does: one dash or two, the value after "=" or next', () => {
    const { config, ignored } = start([
      '-health-probe-bind-address',
      ':9090',
      '-metrics-bind-address=:9090',
      '-data-dir',
      '/x',
      '-leader-elect',
    ]);
    expect(config).toMatchObject({ healthPort: 9090, dataDir: '/x' });
    // Metrics on the health port is what this agent does: nothing to say about it.
    expect(ignored).toEqual([
      '-leader-elect (every agent serves its own node; there is no leader)',
    ]);
  });

  it('falls back to the host name for the node, as dist-exec does, and says where it came from', () => {
    expect(start([], {})).toMatchObject({
      config: { nodeName: 'worker-7' },
      nodeNameFrom: 'hostname',
    });
    expect(start([], { NODE_NAME: '' }).nodeNameFrom).toBe('hostname');
    expect(start([], { NODE_NAME: 'a' })).toMatchObject({
      config: { nodeName: 'a' },
      nodeNameFrom: 'NODE_NAME',
    });
    expect(start([], { DISTEXEC_NODE_NAME: 'b', NODE_NAME: 'a' })).toMatchObject({
      config: { nodeName: 'b' },
      nodeNameFrom: 'DISTEXEC_NODE_NAME',
    });
    expect(start(['-node-name', 'c'], { NODE_NAME: 'a' })).toMatchObject({
      config: { nodeName: 'c' },
      nodeNameFrom: '--node-name',
    });
  });

  it("accepts the rest of dist-exec's flags and names each one it ignores", () => {
    const { config, ignored } = start([
      '--leader-elect=false',
      '--zap-devel',
      '--zap-encoder=console',
      '--zap-stacktrace-level=error',
      '--zap-time-encoding=epoch',
      '--zap-log-level=error',
      '--health-probe-bind-address=127.0.0.1:8081',
    ]);
    expect(config.healthPort).toBe(8081);
    expect(ignored).toEqual([
      '--leader-elect=false (every agent serves its own node; there is no leader)',
      '--zap-devel (logs are JSON lines)',
      '--zap-encoder=console (logs are JSON lines)',
      '--zap-stacktrace-level=error (logs are JSON lines)',
      '--zap-time-encoding=epoch (logs are JSON lines with ISO 8601 times)',
      '--zap-log-level=error (the agent logs at debug or info)',
      "the host of --health-probe-bind-address=127.0.0.1:8081 (the health server listens on every interface, for the kubelet's probes)",
    ]);
    expect(start(['--health-probe-bind-address=0']).ignored).toEqual([
      '--health-probe-bind-address=0 (the health server cannot be turned off; probes need it)',
    ]);
    expect(start(['--health-probe-bind-address=0']).config.healthPort).toBe(8080);
  });

  it('maps --zap-log-level debug, a verbosity above 0, and info onto --log-level', () => {
    expect(start(['--zap-log-level=debug']).config.logLevel).toBe('debug');
    expect(start(['--zap-log-level=2']).config.logLevel).toBe('debug');
    expect(
      start(['--zap-log-level=info'], { NODE_NAME: 'n', LOG_LEVEL: 'debug' }).config.logLevel,
    ).toBe('info');
  });

  it('refuses a dist-exec flag that contradicts its counterpart here, naming both', () => {
    expect(issues(['--health-port=9000', '--health-probe-bind-address=:8081'])).toEqual([
      {
        path: '--health-probe-bind-address',
        message: 'says 8081, --health-port says 9000: give one',
      },
    ]);
    expect(issues(['--health-port=8081', '-health-probe-bind-address=:8081'])).toEqual([]);
    expect(issues(['--log-level=info', '--zap-log-level=debug'])).toEqual([
      { path: '--zap-log-level', message: 'says debug, --log-level says info: give one' },
    ]);
  });

  it('refuses a flag neither has, a bad value and a stray argument, naming each', () => {
    const found = issues([
      '--enable-webhooks',
      '--leader-elect=maybe',
      '--metrics-bind-address=nowhere',
      'extra',
    ]);
    expect(found.map((issue) => issue.path)).toEqual([
      '--leader-elect',
      '--metrics-bind-address',
      '--enable-webhooks',
      'arguments',
    ]);
    expect(found[2]?.message).toMatch(/^unknown flag/);
  });

  it("refuses a flag named like a property every object has, not taking it for dist-exec's", () => {
    const found = issues(['--constructor', '--toString=x', '--__proto__']);
    expect(found.map((issue) => issue.path)).toEqual([
      '--constructor',
      '--toString',
      '--__proto__',
    ]);
    expect(found.every((issue) => /^unknown flag/.test(issue.message))).toBe(true);
  });
});
