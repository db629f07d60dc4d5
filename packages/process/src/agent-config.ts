import { BlockList, isIP } from 'node:net';
import { parseArgs } from 'node:util';
import {
  ConfigurationError,
  goDurationPattern,
  parseGoDuration,
  toFieldIssues,
} from '@roundhouse/core';
import { z } from 'zod';

const duration = (what: string) =>
  z
    .string()
    .regex(goDurationPattern, { error: 'must be a Go duration such as "500ms" or "10s"' })
    .transform((text) => parseGoDuration(text) as number)
    .refine((ms) => ms > 0, { error: `${what} must be positive` });

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

/** Every setting of `roundhouse-task-executor`: flag name, environment variable, schema. */
export const AgentConfigSchema = z.object({
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
});

export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** Flag names (without `--`) and their environment variables; OpenSandbox's where it has one. */
const settings: Readonly<Record<keyof AgentConfig, { env: string; default?: string }>> = {
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
};

const booleans = new Set([
  'enable-sidecar-mode',
  'enable-container-mode',
  'rerun-lost-tasks',
  'insecure-no-auth',
]);
const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Reads the configuration from flags (`--data-dir=/x` or `--data-dir /x`), then environment
 * variables, then defaults. Boolean flags work bare (`--enable-sidecar-mode`) or with a value,
 * as Go's flag package takes them. A bad value is a ConfigurationError naming the flag.
 */
export function loadAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AgentConfig {
  const keys = Object.keys(settings) as (keyof AgentConfig)[];
  const args = argv.map((arg) => (booleans.has(arg.replace(/^--/, '')) ? `${arg}=true` : arg));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(keys.map((k) => [flagName(k), { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigurationError({ path: 'flags', message: (error as Error).message });
  }
  const raw = Object.fromEntries(
    keys.flatMap((key) => {
      const value =
        (values[flagName(key)] as string | undefined) ??
        env[settings[key].env] ??
        settings[key].default;
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const result = AgentConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(
      toFieldIssues(result.error, '', raw).map((issue) => {
        const key = (issue.path.split('.')[0] ?? '') as keyof AgentConfig;
        return { path: `--${flagName(key)} (${settings[key]?.env})`, message: issue.message };
      }),
    );
  }
  return result.data;
}

/**
 * Refuses to serve without a token on an address other machines can reach, where whoever
 * reaches the port runs any command as the agent's user, unless `--insecure-no-auth` says
 * that is meant.
 */
export function requireAuthentication(
  config: Pick<AgentConfig, 'listenAddr' | 'authTokenFile' | 'insecureNoAuth'>,
): void {
  const { listenAddr, authTokenFile, insecureNoAuth } = config;
  if (authTokenFile !== undefined || insecureNoAuth || isLoopback(listenAddr.host)) return;
  throw new ConfigurationError({
    path: `--${flagName('authTokenFile')} (${settings.authTokenFile.env})`,
    message:
      `required when --listen-addr (${settings.listenAddr.env}) is not a loopback address ` +
      `(${listenAddr.host}), or anyone who reaches the port runs any command as the agent's ` +
      'user; name a file holding the bearer token, listen on 127.0.0.1, or pass ' +
      `--insecure-no-auth (${settings.insecureNoAuth.env}=true) to serve without one`,
  });
}
