import { BlockList, isIP } from 'node:net';
import {
  ConfigurationError,
  formatGoDuration,
  goDurationPattern,
  parseGoDuration,
  toFieldIssues,
} from '@roundhouse/core';
import { z } from 'zod';
import { defaultConnectionLimits } from './connection-limits.js';
import {
  asksForHelp,
  type GoArg,
  type GoFlagKind,
  goBoolean,
  isGoInteger,
  readGoArgs,
} from './go-flags.js';
import { defaultRetainedLogBytes } from './supervisor-options.js';

/**
 * 24 days, within the longest delay a Node timer takes (2^31-1 ms, about 24.8 days): the
 * agent's durations become timers, and a longer one fires after 1 ms, so a reconcile interval
 * past it would loop without pause.
 */
const maxDurationMs = 24 * 24 * 60 * 60 * 1000;

const duration = (what: string) =>
  z
    .string()
    .regex(goDurationPattern, { error: 'must be a Go duration such as "500ms" or "10s"' })
    .transform((text) => parseGoDuration(text) as number)
    .refine((ms) => ms > 0, { error: `${what} must be positive` })
    .refine((ms) => ms <= maxDurationMs, {
      error: `${what} must be at most ${formatGoDuration(maxDurationMs)}`,
    });

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, `[v6]:port` or `:port` (every interface), as Go's net.Listen takes it. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether only this machine can reach `host`: `localhost`, 127.0.0.0/8, `::1`, and 127.x
 * written as an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`). Any other name counts as
 * reachable, since what it resolves to is not known here.
 */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Bounds of `--retained-log-bytes`. At least what one default read of the logs endpoint
 * (64 KiB) asks for, so a rotation never leaves a tail shorter than that; at most 1 GiB,
 * because a rotation holds the bytes it keeps in memory, for every task rotating at once.
 */
export const minRetainedLogBytes = 64 * 1024;
export const maxRetainedLogBytes = 1024 * 1024 * 1024;

/** Every setting of `roundhouse-task-executor`: flag name, environment variable, schema. */
export const AgentConfigSchema = z
  .object({
    dataDir: z.string().min(1),
    listenAddr: z.string().transform((text, context) => {
      const address = parseListenAddress(text);
      if (!address)
        context.addIssue({ code: 'custom', message: 'must be host:port, [v6]:port or :port' });
      return address ?? { host: '', port: 0 };
    }),
    reconcileInterval: duration('the interval'),
    gracePeriod: duration('the grace period'),
    enableSidecarMode: z.stringbool(),
    mainContainerName: z.string().min(1),
    enableContainerMode: z.stringbool(),
    authTokenFile: z.string().min(1).optional(),
    // Serve without a token on an address other machines reach; refused unless this is set.
    insecureNoAuth: z.stringbool(),
    // 0 is no limit; OpenSandbox's agent is fixed at 1.
    maxConcurrentTasks: z
      .string()
      .regex(/^\d{1,9}$/, { error: 'must be a whole number (0: no limit)' })
      .transform(Number),
    // Off: a task whose outcome was lost is reported Unknown, never re-run (at most once).
    rerunLostTasks: z.stringbool(),
    // How much of each task's stdout and stderr is kept on disk (the supervisor's retainedLogBytes).
    retainedLogBytes: z
      .string()
      .regex(/^\d{1,10}$/, { error: 'must be a whole number of bytes, such as 8388608 (8 MiB)' })
      .transform(Number)
      .refine((bytes) => bytes >= minRetainedLogBytes && bytes <= maxRetainedLogBytes, {
        error: `must be from ${minRetainedLogBytes} (64 KiB) to ${maxRetainedLogBytes} (1 GiB) bytes`,
      }),
    // The server's connection limits (its ConnectionLimits).
    maxConnections: z
      .string()
      .regex(/^\d{1,9}$/, { error: 'must be a whole number' })
      .transform(Number)
      .refine((count) => count >= 1, { error: 'must be at least 1' }),
    headersTimeout: duration('the headers timeout'),
    requestTimeout: duration('the request timeout'),
    keepAliveTimeout: duration('the keep-alive timeout'),
  })
  .refine((config) => config.headersTimeout <= config.requestTimeout, {
    // The request timeout runs from the same start and covers the headers too.
    error:
      'must not be longer than --request-timeout (REQUEST_TIMEOUT), which bounds the headers too',
    path: ['headersTimeout'],
  });

/**
 * The agent's settings, and which of OpenSandbox's settings the command line or the
 * environment gave that have no effect here (`--cri-socket`, `CRI_SOCKET`, ...), for the
 * warning at start.
 */
export type AgentConfig = z.infer<typeof AgentConfigSchema> & {
  readonly ignored?: readonly string[] | undefined;
};

/** Flag names (without `--`) and their environment variables; OpenSandbox's where it has one. */
const settings: Readonly<
  Record<keyof z.infer<typeof AgentConfigSchema>, { env: string; default?: string | undefined }>
> = {
  dataDir: { env: 'DATA_DIR', default: '/var/lib/sandbox/tasks' },
  listenAddr: { env: 'LISTEN_ADDR', default: '0.0.0.0:5758' },
  reconcileInterval: { env: 'RECONCILE_INTERVAL', default: '500ms' },
  gracePeriod: { env: 'GRACE_PERIOD', default: '10s' },
  enableSidecarMode: { env: 'ENABLE_SIDECAR_MODE', default: 'false' },
  mainContainerName: { env: 'MAIN_CONTAINER_NAME', default: 'main' },
  enableContainerMode: { env: 'ENABLE_CONTAINER_MODE', default: 'false' },
  authTokenFile: { env: 'AUTH_TOKEN_FILE' },
  insecureNoAuth: { env: 'INSECURE_NO_AUTH', default: 'false' },
  maxConcurrentTasks: { env: 'MAX_CONCURRENT_TASKS', default: '0' },
  rerunLostTasks: { env: 'RERUN_LOST_TASKS', default: 'false' },
  retainedLogBytes: { env: 'RETAINED_LOG_BYTES', default: String(defaultRetainedLogBytes) },
  maxConnections: {
    env: 'MAX_CONNECTIONS',
    default: String(defaultConnectionLimits.maxConnections),
  },
  headersTimeout: {
    env: 'HEADERS_TIMEOUT',
    default: formatGoDuration(defaultConnectionLimits.headersTimeoutMs),
  },
  requestTimeout: {
    env: 'REQUEST_TIMEOUT',
    default: formatGoDuration(defaultConnectionLimits.requestTimeoutMs),
  },
  keepAliveTimeout: {
    env: 'KEEP_ALIVE_TIMEOUT',
    default: formatGoDuration(defaultConnectionLimits.keepAliveTimeoutMs),
  },
};

const booleans = new Set([
  'enable-sidecar-mode',
  'enable-container-mode',
  'rerun-lost-tasks',
  'insecure-no-auth',
]);
const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The flags of OpenSandbox's task-executor (its config.go) that have no counterpart here,
 * with the kind of value Go's flag package checks: accepted, so its command lines start this
 * agent unchanged, and named in one warning at start. `--cri-socket` is unused upstream too;
 * the `--log-*` flags set upstream's rotated log file, where this agent logs to stdout and
 * stderr for the container runtime to keep.
 */
export const ignoredUpstreamFlags: Readonly<Record<string, 'string' | 'integer'>> = {
  'cri-socket': 'string',
  'log-dir': 'string',
  'log-max-size': 'integer',
  'log-max-backups': 'integer',
  'log-max-age': 'integer',
};

/** Environment variables OpenSandbox's agent reads that have no effect here. */
const ignoredUpstreamEnv = ['CRI_SOCKET'];

const keys = Object.keys(settings) as (keyof typeof settings)[];

/** Every flag the agent takes, with how Go's flag package would read it. */
export const agentFlagKinds: ReadonlyMap<string, GoFlagKind> = new Map([
  ...keys.map((key): [string, GoFlagKind] => [
    flagName(key),
    booleans.has(flagName(key)) ? 'boolean' : 'string',
  ]),
  ...Object.keys(ignoredUpstreamFlags).map((name): [string, GoFlagKind] => [name, 'string']),
]);

/**
 * Reads the configuration from flags, then environment variables, then defaults. Flags are
 * read as Go's flag package reads them, so OpenSandbox's command lines work unchanged:
 * `-data-dir=/x`, `--data-dir /x`, a bare boolean (`-enable-sidecar-mode`) or one with a value
 * after `=`. OpenSandbox's flags that do nothing here are accepted and listed in `ignored`.
 * Every unknown flag, stray argument and bad value is named in one ConfigurationError.
 */
export function loadAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AgentConfig {
  const { args, issues } = readGoArgs(argv, agentFlagKinds);
  const flags = new Map<string, string>();
  const ignored = new Set<string>();
  let previous: GoArg | undefined;
  for (const arg of args) {
    if (arg.kind === 'positional') {
      issues.push({ path: 'arguments', message: strayArgumentMessage(arg.value, previous) });
    } else if (!agentFlagKinds.has(arg.name)) {
      issues.push({
        path: arg.raw,
        message: `unknown flag; the flags are ${[...agentFlagKinds.keys()].map((n) => `--${n}`).join(', ')}`,
      });
    } else if (ignoredUpstreamFlags[arg.name] !== undefined) {
      const value = arg.value ?? '';
      if (ignoredUpstreamFlags[arg.name] === 'integer' && !isGoInteger(value)) {
        issues.push({ path: arg.raw, message: `must be a whole number, not "${value}"` });
      }
      ignored.add(`--${arg.name}`);
    } else if (booleans.has(arg.name)) {
      flags.set(arg.name, arg.value === undefined ? 'true' : goBoolean(arg.value));
    } else {
      flags.set(arg.name, arg.value ?? '');
    }
    previous = arg;
  }
  for (const name of ignoredUpstreamEnv) if (env[name]) ignored.add(name);
  const raw = Object.fromEntries(
    keys.flatMap((key) => {
      const value = flags.get(flagName(key)) ?? env[settings[key].env] ?? settings[key].default;
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const result = AgentConfigSchema.safeParse(raw);
  if (!result.success) {
    issues.push(
      ...toFieldIssues(result.error, '', raw).map((issue) => {
        const key = (issue.path.split('.')[0] ?? '') as keyof typeof settings;
        return { path: `--${flagName(key)} (${settings[key]?.env})`, message: issue.message };
      }),
    );
  }
  if (issues.length > 0 || !result.success) throw new ConfigurationError(issues);
  return { ...result.data, ignored: [...ignored] };
}

/** Why an argument that is not a flag is refused, with the likely fix when there is one. */
function strayArgumentMessage(value: string, previous: GoArg | undefined): string {
  const text = `unexpected argument "${value}": settings are flags, such as --data-dir=/x`;
  if (previous?.kind === 'flag' && previous.value === undefined && booleans.has(previous.name)) {
    // Go's flag package, too, takes a boolean's value only after `=`.
    return `${text}; a boolean flag takes its value after "=": ${previous.raw}=${value}`;
  }
  return text;
}

/** Whether the command line asks for help (`-h`, `-help`, `--help`). */
export function asksForAgentHelp(argv: readonly string[]): boolean {
  return asksForHelp(argv, agentFlagKinds);
}

/** What `roundhouse-task-executor --help` prints: every flag, its variable and its default. */
export function agentUsage(): string {
  const lines = keys.map((key) => {
    const { env, default: value } = settings[key];
    return `  --${flagName(key)} (${env})${value === undefined ? '' : `, default ${value}`}`;
  });
  const ignoredLines = Object.keys(ignoredUpstreamFlags).map((name) => `  --${name}`);
  return [
    'Usage: roundhouse-task-executor [flags]',
    '',
    'Flags are -name=value, --name=value or --name value; booleans bare or -name=false.',
    'Flags win over environment variables, which win over defaults.',
    '',
    ...lines,
    '',
    "Accepted for compatibility with OpenSandbox's task-executor, and ignored with a warning:",
    ...ignoredLines,
    '',
    'See docs/agent.md.',
    '',
  ].join('\n');
}

/**
 * Whether the API would answer callers without a token who are not the agent's own: on an
 * address other machines can reach, or, in sidecar mode, on any address, loopback included:
 * the main container shares the pod's network namespace (and a task run in it enters that
 * namespace), so the workload and every Remote task reach 127.0.0.1 too.
 */
export function servesOthersWithoutToken(
  config: Pick<AgentConfig, 'listenAddr' | 'authTokenFile' | 'enableSidecarMode'>,
): boolean {
  if (config.authTokenFile !== undefined) return false;
  return config.enableSidecarMode || !isLoopback(config.listenAddr.host);
}

/**
 * Refuses to serve without a token where others can call the API (see
 * `servesOthersWithoutToken`), since whoever calls it runs any command as the agent's user,
 * unless `--insecure-no-auth` says that is meant. In sidecar mode a caller in the main
 * container would otherwise run a Local task in the agent's own container, beside its
 * privileges and every task's records.
 */
export function requireAuthentication(
  config: Pick<
    AgentConfig,
    'listenAddr' | 'authTokenFile' | 'insecureNoAuth' | 'enableSidecarMode'
  >,
): void {
  const { listenAddr, insecureNoAuth, enableSidecarMode } = config;
  if (insecureNoAuth || !servesOthersWithoutToken(config)) return;
  const path = `--${flagName('authTokenFile')} (${settings.authTokenFile.env})`;
  const insecure = `--insecure-no-auth (${settings.insecureNoAuth.env}=true)`;
  if (enableSidecarMode) {
    throw new ConfigurationError({
      path,
      message:
        `required with --enable-sidecar-mode (${settings.enableSidecarMode.env}), whatever ` +
        `--listen-addr (${settings.listenAddr.env}): the main container shares the pod's ` +
        `loopback (${listenAddr.host}), so its processes, and every task run in it, could run ` +
        "any command in the agent's own container; name a file holding the bearer token, or " +
        `pass ${insecure} to serve without one`,
    });
  }
  throw new ConfigurationError({
    path,
    message:
      `required when --listen-addr (${settings.listenAddr.env}) is not a loopback address ` +
      `(${listenAddr.host}), or anyone who reaches the port runs any command as the agent's ` +
      `user; name a file holding the bearer token, listen on 127.0.0.1, or pass ${insecure} ` +
      'to serve without one',
  });
}
