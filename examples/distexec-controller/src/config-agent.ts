import { flagName } from '@roundhouse/controller';
import { ConfigurationError, type FieldIssue } from '@roundhouse/core';
import { type GoFlagKind, goBoolean, parseListenAddress, readGoArgs } from '@roundhouse/process';
import {
  type AgentConfig,
  AgentConfigSchema,
  agentDefaults,
  configHelp,
  loadConfig,
} from './config.js';

/**
 * dist-exec's flags (its main.go: kubebuilder's three, and the `--zap-*` flags
 * controller-runtime's zap options bind), with how Go's flag package reads each. Its
 * `--kubeconfig` (controller-runtime's) is one of ours.
 */
export const distExecFlags: Readonly<Record<string, GoFlagKind>> = {
  'health-probe-bind-address': 'string',
  'metrics-bind-address': 'string',
  'leader-elect': 'boolean',
  'zap-devel': 'boolean',
  'zap-encoder': 'string',
  'zap-log-level': 'string',
  'zap-stacktrace-level': 'string',
  'zap-time-encoding': 'string',
};

/** The agent's `--help`: its own flags, then dist-exec's, which it takes as `loadAgentConfig` says. */
export function agentHelp(program: string): string {
  const theirs = Object.keys(distExecFlags).map((name) => `--${name}`);
  return `${configHelp(program, AgentConfigSchema, agentDefaults)}\nAccepted as dist-exec takes them (mapped onto the flags above, or ignored with a warning):\n  ${theirs.join(', ')}\n`;
}

/** Why a dist-exec flag with no counterpart here changes nothing. */
const ignoredBecause: Readonly<Record<string, string>> = {
  'leader-elect': 'every agent serves its own node; there is no leader',
  'zap-devel': 'logs are JSON lines',
  'zap-encoder': 'logs are JSON lines',
  'zap-stacktrace-level': 'logs are JSON lines',
  'zap-time-encoding': 'logs are JSON lines with ISO 8601 times',
};

/** Where the agent's node name came from. */
export type NodeNameSource = '--node-name' | 'DISTEXEC_NODE_NAME' | 'NODE_NAME' | 'hostname';

export interface AgentStart {
  readonly config: AgentConfig;
  /** `hostname`: neither `--node-name` nor a variable named the node, as dist-exec falls back. */
  readonly nodeNameFrom: NodeNameSource;
  /** dist-exec's flags accepted and ignored (or only partly used), each saying why. */
  readonly ignored: readonly string[];
}

const ownFlags = Object.keys(agentDefaults).map(flagName);

const kinds: ReadonlyMap<string, GoFlagKind> = new Map<string, GoFlagKind>([
  ...ownFlags.map((name): [string, GoFlagKind] => [name, 'string']),
  ...Object.entries(distExecFlags),
]);

/** Hosts that mean every interface, where the health server listens anyway. */
const everyInterface = new Set(['0.0.0.0', '::', '']);

/**
 * The node agent's configuration from a command line written for this agent or for
 * dist-exec's manager (`--health-probe-bind-address=:8081 --metrics-bind-address=127.0.0.1:8080`),
 * read as Go's flag package reads it (`-flag=value`, `-flag value`, one dash or two):
 *
 * - the node is `--node-name`, else `DISTEXEC_NODE_NAME`, else `NODE_NAME`, else the host's
 *   name, as dist-exec falls back (`nodeNameFrom` says which, for the log);
 * - `--health-probe-bind-address` sets `--health-port` (its port; the server listens on every
 *   interface, for the kubelet's probes); `0`, which turns dist-exec's probes off, cannot;
 * - `--metrics-bind-address` is served by the same server (`/metrics` on the health port): a
 *   different port is accepted and named in `ignored`;
 * - `--zap-log-level` `debug` (or a verbosity above 0) and `info` set `--log-level`;
 * - `--leader-elect` and the other `--zap-*` flags are accepted and named in `ignored`.
 *
 * A dist-exec flag that contradicts its counterpart here (`--health-port`, `--log-level`) is
 * refused, and so is every flag neither has, in one ConfigurationError naming each.
 */
export function loadAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  hostname: () => string,
): AgentStart {
  const { args, issues } = readGoArgs(argv, kinds);
  const own = new Map<string, string | undefined>();
  const theirs = new Map<string, { raw: string; value: string | undefined }>();
  const rest: string[] = [];
  const positionals: string[] = [];
  for (const arg of args) {
    if (arg.kind === 'positional') positionals.push(arg.value);
    else if (Object.hasOwn(distExecFlags, arg.name)) theirs.set(arg.name, arg);
    else if (ownFlags.includes(arg.name)) own.set(arg.name, arg.value);
    // Unknown: loadSettings names it.
    else rest.push(arg.value === undefined ? `--${arg.name}` : `--${arg.name}=${arg.value}`);
  }
  const ignored: string[] = [];
  const setOwn = (name: string, value: string, by: string) => {
    const given = own.get(name);
    if (given !== undefined && given !== value) {
      issues.push({ path: by, message: `says ${value}, --${name} says ${given}: give one` });
    } else {
      own.set(name, value);
    }
  };
  for (const [name, { raw, value }] of theirs) {
    const written = value === undefined ? raw : `${raw}=${value}`;
    if (distExecFlags[name] === 'boolean') {
      if (value !== undefined && !['true', 'false'].includes(goBoolean(value))) {
        issues.push({ path: raw, message: `must be true or false, not "${value}"` });
      }
      ignored.push(`${written} (${ignoredBecause[name]})`);
    } else if (name === 'health-probe-bind-address') {
      mapHealthProbe(raw, value ?? '', { setOwn, ignored, issues });
    } else if (name === 'zap-log-level') {
      const level = zapLevel(value ?? '');
      if (level) setOwn('log-level', level, raw);
      else ignored.push(`${written} (the agent logs at debug or info)`);
    } else if (name !== 'metrics-bind-address') {
      ignored.push(`${written} (${ignoredBecause[name]})`);
    }
  }
  const metrics = theirs.get('metrics-bind-address');
  const metricsAddress =
    metrics?.value === '0' ? undefined : parseListenAddress(metrics?.value ?? '');
  if (metrics && metrics.value !== '0' && !metricsAddress) {
    issues.push({ path: metrics.raw, message: 'must be host:port, [v6]:port, :port or 0' });
  }

  const nodeNameFrom: NodeNameSource = own.has('node-name')
    ? '--node-name'
    : env.DISTEXEC_NODE_NAME !== undefined
      ? 'DISTEXEC_NODE_NAME'
      : env.NODE_NAME
        ? 'NODE_NAME'
        : 'hostname';
  const defaults =
    nodeNameFrom === 'hostname' ? { ...agentDefaults, nodeName: hostname() } : agentDefaults;
  const canonical = [
    ...[...own].map(([name, value]) => (value === undefined ? `--${name}` : `--${name}=${value}`)),
    ...rest,
    ...(positionals.length > 0 ? ['--', ...positionals] : []),
  ];
  let config: AgentConfig | undefined;
  try {
    config = loadConfig(AgentConfigSchema, defaults, canonical, env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || !config) throw new ConfigurationError(issues);
  if (metrics && metricsAddress?.port !== config.healthPort) {
    ignored.push(
      `${metrics.raw}=${metrics.value} (metrics are served at /metrics on the health port, ${config.healthPort})`,
    );
  }
  return { config, nodeNameFrom, ignored };
}

/** `--health-probe-bind-address`: its port is the health port; the rest says what it cannot be. */
function mapHealthProbe(
  raw: string,
  value: string,
  to: {
    setOwn: (name: string, value: string, by: string) => void;
    ignored: string[];
    issues: FieldIssue[];
  },
): void {
  if (value === '0') {
    to.ignored.push(`${raw}=0 (the health server cannot be turned off; probes need it)`);
    return;
  }
  const address = parseListenAddress(value);
  if (!address) {
    to.issues.push({ path: raw, message: 'must be host:port, [v6]:port, :port or 0' });
    return;
  }
  to.setOwn('health-port', String(address.port), raw);
  if (!everyInterface.has(address.host)) {
    to.ignored.push(
      `the host of ${raw}=${value} (the health server listens on every interface, for the kubelet's probes)`,
    );
  }
}

/** Our level for a zap level: `debug` or a verbosity above 0 is debug, `info` is info. */
function zapLevel(value: string): 'debug' | 'info' | undefined {
  if (value === 'debug' || (/^\d+$/.test(value) && Number(value) > 0)) return 'debug';
  return value === 'info' ? 'info' : undefined;
}
