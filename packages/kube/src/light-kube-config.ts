import type { RequestOptions } from 'node:https';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import type { ClusterConfig } from './cluster-config.js';
import {
  type ExecCredentialPlugin,
  type ExecCredentialPluginOptions,
  execCredentialPlugin,
} from './exec-credential-plugin.js';
import { RefreshingFile } from './refreshing-file.js';

export interface LightKubeConfigParts {
  readonly context: string;
  /** The context's namespace, if it sets one. */
  readonly namespace?: string | undefined;
  readonly cluster: Cluster;
  readonly user?: User | null | undefined;
  /** A bearer token file, read again as it rotates: `token-file`, or the ServiceAccount's. */
  readonly tokenFile?: string | undefined;
  /** How the user's exec credential plugin is run, if it has one. */
  readonly exec?: ExecCredentialPluginOptions | undefined;
}

/** Certificate material from a file (read again as it rotates) or from base64 data. */
function material(file: string | undefined, data: string | undefined): (() => Buffer) | undefined {
  if (file) {
    const source = new RefreshingFile(file);
    return () => source.read();
  }
  if (!data) return undefined;
  const decoded = Buffer.from(data, 'base64');
  return () => decoded;
}

/**
 * One context of a kubeconfig, with what a controller's kubeconfig uses: CA, client
 * certificate and key (data or file), bearer token or token file, basic auth, impersonation,
 * exec credential plugins, HTTP(S) and SOCKS5 proxies. `loadKubeConfig` hands auth-provider
 * plugins to client-node's KubeConfig. Unlike it, this decodes
 * certificate data once and reads files once a minute instead of for every request.
 */
export class LightKubeConfig implements ClusterConfig {
  readonly #context: Context;
  readonly #cluster: Cluster;
  readonly #user: User | undefined;
  readonly #ca: (() => Buffer) | undefined;
  readonly #cert: (() => Buffer) | undefined;
  readonly #key: (() => Buffer) | undefined;
  readonly #tokenFile: RefreshingFile | undefined;
  readonly #exec: ExecCredentialPlugin | undefined;

  constructor(parts: LightKubeConfigParts) {
    const { cluster, user } = parts;
    this.#context = {
      name: parts.context,
      cluster: cluster.name,
      user: user?.name ?? '',
      ...(parts.namespace ? { namespace: parts.namespace } : {}),
    };
    this.#cluster = cluster;
    this.#user = user ?? undefined;
    this.#ca = material(cluster.caFile, cluster.caData);
    this.#cert = material(user?.certFile, user?.certData);
    this.#key = material(user?.keyFile, user?.keyData);
    this.#tokenFile = parts.tokenFile ? new RefreshingFile(parts.tokenFile) : undefined;
    this.#exec = user ? execCredentialPlugin(user, parts.exec) : undefined;
  }

  credentialsRejected(rejected?: { readonly authorization?: string | undefined }): void {
    this.#exec?.forget(rejected?.authorization);
    this.#tokenFile?.forget();
  }

  getCurrentContext(): string {
    return this.#context.name;
  }

  /** The current context by its name; the others are not kept. */
  getContextObject(name: string): Context | null {
    return name === this.#context.name ? this.#context : null;
  }

  /**
   * The current context's user; with a token file, the token it holds now (as client-node's
   * KubeConfig gives it), so a caller can keep the token out of what it prints.
   */
  getCurrentUser(): User | null {
    const user = this.#user;
    if (!user || user.token || !this.#tokenFile) return user ?? null;
    try {
      return { ...user, token: this.#tokenFile.read().toString('utf8').trim() };
    } catch {
      // A request reading it says why, with the file's name.
      return user;
    }
  }

  getCurrentCluster(): Cluster {
    return this.#cluster;
  }

  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    const cluster = this.#cluster;
    if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
    if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    const ca = this.#ca?.();
    if (ca) options.ca = ca;
    const user = this.#user;
    if (!user) return;
    const cert = this.#cert?.();
    if (cert) options.cert = cert;
    const key = this.#key?.();
    if (key) options.key = key;
    const headers: Record<string, string> = {};
    options.headers = headers;
    if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    if (this.#exec) {
      // The plugin may give a client certificate and key as well as, or instead of, a token.
      const credential = await this.#exec.credential();
      if (credential.clientCertificateData) options.cert = credential.clientCertificateData;
      if (credential.clientKeyData) options.key = credential.clientKeyData;
      if (credential.token) headers.Authorization = `Bearer ${credential.token}`;
    }
    const token = user.token ?? this.#tokenFile?.read().toString('utf8').trim();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (user.username) options.auth = `${user.username}:${user.password ?? ''}`;
  }
}
