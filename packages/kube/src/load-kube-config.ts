import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Cluster, Context, User } from '@kubernetes/client-node';
// The parsers alone: client-node's root module loads its whole generated API.
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { ConfigurationError } from '@roundhouse/core';
import { load } from 'js-yaml';
import type { ClusterConfig } from './cluster-config.js';
import { inClusterConfig, serviceAccountToken } from './in-cluster-config.js';
import { LightKubeConfig } from './light-kube-config.js';

export interface LoadKubeConfigOptions {
  /**
   * Kubeconfig files, merged as kubectl merges them: the first file that sets a name, or the
   * current-context, wins. Default: KUBECONFIG's files, else ~/.kube/config, else the pod's
   * ServiceAccount.
   */
  readonly files?: readonly string[] | undefined;
  /**
   * One kubeconfig file, as a `--kubeconfig` flag names it, in place of `files`; undefined (the
   * flag not given) means the default search.
   */
  readonly file?: string | undefined;
  /** The context to use instead of the current-context. */
  readonly context?: string | undefined;
}

/** A kubeconfig's current context, ready for a KubeClient. */
export type LoadedKubeConfig = ClusterConfig & { getCurrentContext(): string };

interface Merged {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string | undefined;
  /** `token-file` by user name, for users without a `token`. */
  tokenFiles: Map<string, string>;
}

/**
 * Loads a kubeconfig without `@kubernetes/client-node`'s root module, which loads its whole
 * generated API (about 80 MiB of a controller's memory) although a client needs none of it.
 * What a controller's kubeconfig uses is handled here (see LightKubeConfig); a context whose
 * user has an auth-provider plugin (oidc, gcp, azure) or whose cluster is behind a SOCKS proxy
 * gets client-node's KubeConfig instead, imported only then. Nothing found, a missing file, a
 * file that is no kubeconfig, an unknown context or one without a cluster is a
 * ConfigurationError that says which, where client-node would try http://localhost:8080.
 */
export async function loadKubeConfig(
  options: LoadKubeConfigOptions = {},
): Promise<LoadedKubeConfig> {
  const files = options.files ?? (options.file ? [options.file] : defaultFiles());
  if (files.length === 0) {
    if (process.env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken))
      return inClusterConfig();
    throw new ConfigurationError({
      path: 'kubeconfig',
      message:
        'no kubeconfig found: set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount',
    });
  }
  const merged = mergeFiles(files);
  const name = options.context ?? merged.currentContext;
  if (!name) {
    throw new ConfigurationError({
      path: 'kubeconfig',
      message: 'the kubeconfig has no current-context',
    });
  }
  const context = merged.contexts.find((c) => c.name === name);
  const cluster = context && merged.clusters.find((c) => c.name === context.cluster);
  if (!cluster) {
    throw new ConfigurationError({
      path: 'kubeconfig',
      message:
        options.context && !context
          ? `the kubeconfig has no context "${name}"`
          : `${options.context ? 'context' : 'current-context'} "${name}" names no cluster in the kubeconfig`,
    });
  }
  const user = merged.users.find((u) => u.name === context?.user);
  const providerTokenFile: unknown = user?.authProvider?.config?.tokenFile;
  const lightProvider = !user?.authProvider || providerTokenFile || isExecProvider(user);
  if (cluster.proxyUrl?.startsWith('socks') || !lightProvider) {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromOptions({ ...merged, currentContext: name });
    return config;
  }
  const tokenFile =
    (user && merged.tokenFiles.get(user.name)) ??
    (typeof providerTokenFile === 'string' ? providerTokenFile : undefined);
  return new LightKubeConfig({
    context: name,
    cluster,
    // client-node read the token file once; the light config reads it again as it rotates.
    user: user && tokenFile ? { ...user, token: undefined } : user,
    tokenFile,
  });
}

/** An exec plugin configured as an auth-provider, as client-node's ExecAuth accepts it. */
function isExecProvider(user: User): boolean {
  return user.authProvider?.name === 'exec' || Boolean(user.authProvider?.config?.exec);
}

function defaultFiles(): string[] {
  const list = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (list.length > 0) return list;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

function mergeFiles(files: readonly string[]): Merged {
  const merged: Merged = {
    clusters: [],
    users: [],
    contexts: [],
    currentContext: undefined,
    tokenFiles: new Map(),
  };
  const add = <T extends { name: string }>(into: T[], items: T[]) => {
    for (const item of items) if (!into.some((i) => i.name === item.name)) into.push(item);
  };
  for (const file of files) {
    const raw = readKubeConfig(file);
    const absolute = (path: string | undefined) =>
      path && !isAbsolute(path) ? join(dirname(file), path) : path;
    try {
      for (const entry of Array.isArray(raw.users) ? raw.users : []) {
        const user = entry?.user;
        if (!user?.['token-file']) continue;
        user['token-file'] = absolute(user['token-file']);
        if (!user.token && entry.name && !merged.tokenFiles.has(entry.name))
          merged.tokenFiles.set(entry.name, user['token-file']);
      }
      add(
        merged.clusters,
        newClusters(raw.clusters).map((c) => ({ ...c, caFile: absolute(c.caFile) })),
      );
      add(
        merged.users,
        newUsers(raw.users).map((u) => ({
          ...u,
          certFile: absolute(u.certFile),
          keyFile: absolute(u.keyFile),
        })),
      );
      add(merged.contexts, newContexts(raw.contexts));
    } catch (error) {
      throw unusable(file, error);
    }
    merged.currentContext ||= raw['current-context'] || undefined;
  }
  return merged;
}

// biome-ignore lint/suspicious/noExplicitAny: YAML as written, validated by client-node's parsers.
type RawKubeConfig = Record<string, any>;

function readKubeConfig(file: string): RawKubeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing)
      throw new ConfigurationError({ path: 'kubeconfig', message: `${file} does not exist` });
    throw unusable(file, error);
  }
  let raw: unknown;
  try {
    raw = load(text);
  } catch (error) {
    throw unusable(file, error);
  }
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw unusable(file, 'not a YAML mapping');
  return raw as RawKubeConfig;
}

function unusable(file: string, error: unknown): ConfigurationError {
  // YAML parse errors quote the file over several lines; the first says what is wrong. The
  // error itself is no cause: its quote holds the lines around the fault, a token or a key
  // among them, which a logger serializing causes would write out.
  const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return new ConfigurationError({
    path: 'kubeconfig',
    message: `${file} is not a usable kubeconfig: ${detail}`,
  });
}
