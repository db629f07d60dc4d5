import { createHash } from 'node:crypto';
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';

/** What a request needs from the kubeconfig: where to go, how to authenticate, which pool. */
export interface PreparedRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly dispatcher?: Dispatcher;
}

interface Pools {
  /** Identifies the TLS material the pools were built with. */
  readonly fingerprint: string;
  /** Short requests: bounded, kept alive and reused. */
  readonly requests: Dispatcher;
  /** Watches: each holds a connection open for minutes, so they must not starve requests. */
  readonly streams: Dispatcher;
}

type TlsOptions = Record<string, unknown>;

/**
 * One pool of keep-alive connections per KubeClient, built from the kubeconfig's TLS material.
 * client-node builds a new undici Agent on every `applySecurityAuthentication`, which opens a
 * TLS connection per request; here the Agent lives as long as the client and is replaced
 * (the old one drained, then closed) only when the TLS material changes, as a rotating client
 * certificate from an exec plugin does. Headers, bearer tokens included, are computed for
 * every request, so token files and exec plugins that rotate keep working.
 */
export class ConnectionPool {
  readonly #config: KubeConfig;
  readonly #maxConnections: number;
  #pools: Pools | undefined;

  constructor(config: KubeConfig, options: { maxConnections?: number } = {}) {
    this.#config = config;
    this.#maxConnections = options.maxConnections ?? 16;
  }

  /** Authenticated URL, headers and dispatcher for a request (or a watch, with `stream`). */
  async prepare(
    method: keyof typeof HttpMethod,
    path: string,
    operation: string,
    stream = false,
  ): Promise<PreparedRequest> {
    const cluster = this.#config.getCurrentCluster();
    if (!cluster) {
      throw new ConfigurationError({
        path: 'kubeconfig',
        message: `${operation}: the kubeconfig has no current cluster; set current-context to a context whose cluster exists`,
      });
    }
    const url = `${cluster.server.replace(/\/$/, '')}${path}`;
    if (cluster.proxyUrl?.startsWith('socks')) {
      // SOCKS needs client-node's own connector; such clusters keep its per-request dispatcher.
      const context = new RequestContext(url, HttpMethod[method]);
      await this.#config.applySecurityAuthentication(context);
      const dispatcher = context.getDispatcher() as Dispatcher | undefined;
      return {
        url: context.getUrl(),
        headers: context.getHeaders(),
        ...(dispatcher ? { dispatcher } : {}),
      };
    }
    const options: TlsOptions & { headers?: Record<string, string>; auth?: string } = {};
    await this.#config.applyToHTTPSOptions(options);
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth)
      headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const pools = this.#poolsFor(tlsOf(options), cluster);
    return {
      url,
      headers,
      ...(pools ? { dispatcher: stream ? pools.streams : pools.requests } : {}),
    };
  }

  /** Closes the pools, letting requests in flight finish. */
  async close(): Promise<void> {
    const pools = this.#pools;
    this.#pools = undefined;
    if (pools) await Promise.all([pools.requests.close(), pools.streams.close()]);
  }

  #poolsFor(
    tls: TlsOptions,
    cluster: NonNullable<ReturnType<KubeConfig['getCurrentCluster']>>,
  ): Pools | undefined {
    const settings = this.#config.createDispatcherOptions(cluster, tls);
    if (settings.type === 'none' || settings.type === 'socks') return undefined;
    const fingerprint = fingerprintOf(settings);
    if (this.#pools?.fingerprint === fingerprint) return this.#pools;
    const previous = this.#pools;
    const make = (connections: number | undefined): Dispatcher =>
      settings.type === 'proxy'
        ? new ProxyAgent({
            uri: settings.uri,
            requestTls: settings.requestTls,
            ...(connections ? { connections } : {}),
          })
        : new Agent({ connect: settings.connect, ...(connections ? { connections } : {}) });
    this.#pools = { fingerprint, requests: make(this.#maxConnections), streams: make(undefined) };
    // Requests already sent on the old pools finish before their connections close.
    if (previous) void Promise.all([previous.requests.close(), previous.streams.close()]);
    return this.#pools;
  }
}

/** The TLS fields of client-node's HTTPS options, as its dispatcher builder reads them. */
function tlsOf(options: TlsOptions): TlsOptions {
  const keys = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'];
  return Object.fromEntries(
    keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]),
  );
}

function fingerprintOf(settings: unknown): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}
