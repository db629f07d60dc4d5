import { existsSync, readFileSync, type Stats, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
// The parsers alone: client-node's root module loads its whole generated API.
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { load } from 'js-yaml';
import type { ClusterConfig } from './cluster-config.js';
import type { ExecCredentialPluginOptions } from './exec-credential-plugin.js';
import { inClusterConfig, serviceAccountToken } from './in-cluster-config.js';
import { KubeConfigError } from './kube-config-error.js';
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
  /** How the user's exec credential plugin is run, if it has one. */
  readonly exec?: ExecCredentialPluginOptions | undefined;
}

/**
 * A kubeconfig's current context, ready for a KubeClient, with its user and its context (whose
 * `namespace` is the one kubectl uses when none is given).
 */
export type LoadedKubeConfig = ClusterConfig &
  Pick<KubeConfig, 'getCurrentContext' | 'getCurrentUser' | 'getContextObject'>;

/** Far more than any kubeconfig holds: a larger file is not one. */
const kubeconfigLimitBytes = 16 * 1024 * 1024;

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
 * user has an auth-provider plugin (oidc, gcp, azure) gets client-node's KubeConfig instead,
 * imported only then. Nothing found, a missing file, a
 * file that is no kubeconfig, an unknown context or one whose cluster or user is not defined is
 * a KubeConfigError that says which, where client-node would try http://localhost:8080 or send
 * no credentials.
 */
export async function loadKubeConfig(
  options: LoadKubeConfigOptions = {},
): Promise<LoadedKubeConfig> {
  const listed = options.files ?? (options.file ? undefined : defaultFiles());
  const files = listed ?? (options.file ? [options.file] : []);
  if (files.length === 0) {
    if (process.env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken))
      return inClusterConfig();
    throw new KubeConfigError(
      { kind: 'NoneFound' },
      'no kubeconfig found: set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount',
    );
  }
  // As kubectl: a file of a list that does not exist is passed over (a shell profile's optional
  // cluster); a file named alone must exist.
  const present = listed ? files.filter((file) => !missing(file)) : files;
  if (present.length === 0) {
    throw new KubeConfigError(
      { kind: 'Missing', files },
      files.length === 1 ? `${files[0]} does not exist` : `none of ${files.join(', ')} exists`,
    );
  }
  const merged = mergeFiles(present);
  const contexts = merged.contexts.map((c) => c.name);
  const chosen = options.context !== undefined;
  const name = options.context ?? merged.currentContext;
  if (!name) {
    throw new KubeConfigError(
      { kind: 'NoCurrentContext', contexts },
      'the kubeconfig has no current-context',
    );
  }
  const context = merged.contexts.find((c) => c.name === name);
  const label = chosen ? 'context' : 'current-context';
  if (!context) {
    throw new KubeConfigError(
      { kind: 'UnknownContext', context: name, chosen, contexts },
      chosen ? `the kubeconfig has no context "${name}"` : `${label} "${name}" names no context`,
    );
  }
  const cluster = merged.clusters.find((c) => c.name === context.cluster);
  const user = merged.users.find((u) => u.name === context.user);
  // As client-go: a context whose user is not defined is refused, not sent without credentials.
  const noUser = context.user && !user ? context.user : undefined;
  if (!cluster || noUser) {
    const names = [cluster ? undefined : 'no cluster', noUser && `no user "${noUser}"`];
    throw new KubeConfigError(
      {
        kind: 'UndefinedReference',
        context: name,
        chosen,
        cluster: cluster ? undefined : context.cluster,
        user: noUser,
        contexts,
      },
      `${label} "${name}" names ${names.filter(Boolean).join(' and ')} in the kubeconfig`,
    );
  }
  const providerTokenFile: unknown = user?.authProvider?.config?.tokenFile;
  const lightProvider = !user?.authProvider || providerTokenFile || isExecProvider(user);
  const provider = user?.authProvider?.name;
  if (user && !lightProvider && provider !== 'oidc') {
    const replacement = removedProviders[provider ?? ''] ?? unknownProviderFix;
    throw new KubeConfigError(
      {
        kind: 'UnsupportedAuthProvider',
        context: name,
        user: user.name,
        provider: provider ?? '',
        replacement,
      },
      `the user "${user.name}" of ${label} "${name}" has the auth-provider "${provider ?? ''}", which kubectl does not run either (only oidc is one): ${replacement}`,
    );
  }
  if (!lightProvider) {
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
    namespace: context.namespace,
    cluster,
    // client-node read the token file once; the light config reads it again as it rotates.
    user: user && tokenFile ? { ...user, token: undefined } : user,
    tokenFile,
    exec: options.exec,
  });
}

/** An exec plugin configured as an auth-provider, as client-node's ExecAuth accepts it. */
/**
 * kubectl's own replacements for the auth-providers it removed in 1.26. client-node still runs
 * them, each by a synchronous shell command with no time limit: one that hangs (a gcloud
 * waiting for a login) stops the whole process, lease renewals included, for ever.
 */
const removedProviders: Readonly<Record<string, string>> = {
  gcp: 'use the gke-gcloud-auth-plugin exec credential plugin instead (gcloud container clusters get-credentials writes it into the kubeconfig)',
  azure:
    'use the kubelogin exec credential plugin instead (kubelogin convert-kubeconfig rewrites the kubeconfig for it)',
};

const unknownProviderFix =
  "use the exec credential plugin your cluster's provider documents instead";

function isExecProvider(user: User): boolean {
  return user.authProvider?.name === 'exec' || Boolean(user.authProvider?.config?.exec);
}

function defaultFiles(): string[] {
  const list = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (list.length > 0) return list;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

function missing(file: string): boolean {
  try {
    statSync(file);
    return false;
  } catch (error) {
    // Only a missing file is passed over, as kubectl does; one that cannot be read is named.
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
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

/**
 * Refuses a file that would be read without end (`/dev/zero`: a device has no end) or fill the
 * memory. A pipe is let through (`--kubeconfig <(sops -d ...)` keeps a decrypted file off the
 * disk); what writes to it decides its end.
 */
function checkIsKubeconfigSized(file: string): void {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch {
    return; // reading it says why, by its code
  }
  const detail =
    stats.isCharacterDevice() || stats.isBlockDevice()
      ? 'is a device, not a file'
      : stats.isFile() && stats.size > kubeconfigLimitBytes
        ? 'is larger than 16 MiB, more than any kubeconfig holds'
        : undefined;
  if (detail) throw new KubeConfigError({ kind: 'NotAFile', file, detail }, `${file} ${detail}`);
}

function readKubeConfig(file: string): RawKubeConfig {
  checkIsKubeconfigSized(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing)
      throw new KubeConfigError({ kind: 'Missing', files: [file] }, `${file} does not exist`);
    throw unusable(file, error);
  }
  let raw: unknown;
  try {
    raw = load(text);
  } catch (error) {
    throw unusable(file, error);
  }
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new KubeConfigError(
      { kind: 'NotAKubeconfig', file },
      `${file} is not a usable kubeconfig: not a YAML mapping`,
    );
  }
  return raw as RawKubeConfig;
}

function unusable(file: string, error: unknown): KubeConfigError {
  // YAML parse errors quote the lines around the fault, a token or a key among them: only what
  // is wrong and where is said. The error itself is no cause, which a logger serializing causes
  // would write out.
  const detail = problemOf(error);
  return new KubeConfigError(
    { kind: 'Unusable', file, detail },
    `${file} is not a usable kubeconfig: ${detail}`,
  );
}

function problemOf(error: unknown): string {
  const { reason, mark, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    reason?: unknown;
    mark?: { line?: number | undefined; column?: number | undefined } | undefined;
    message?: unknown;
  };
  if (typeof reason === 'string' && mark?.line !== undefined && mark.column !== undefined) {
    return `${reason} at line ${mark.line + 1}, column ${mark.column + 1}`;
  }
  return String(message ?? error).split('\n')[0] ?? '';
}
