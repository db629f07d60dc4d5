import type { RequestOptions } from 'node:https';
import type { Cluster } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { Agent, buildConnector, type Dispatcher, Pool, ProxyAgent } from 'undici';
import type { ClusterConfig } from './cluster-config.js';
import { defaultLiveness, type Liveness, livenessChecked } from './connection-liveness.js';
import { isSocksUrl, parseSocksProxy, socksConnector } from './socks-connector.js';

/** What a request needs from the kubeconfig: where to go, how to authenticate, which pool. */
export interface PreparedRequest {
  readonly url: string;
  /**
   * The URL's origin, and its path with the query: what a dispatcher is handed. No origin when
   * the server is no URL, which sending to `url` reports.
   */
  readonly origin: string | undefined;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly dispatcher?: Dispatcher | undefined;
}

/** The TLS fields of the HTTPS options, as client-node's dispatcher builder reads them. */
const tlsKeys = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
] as const;

type TlsOptions = Partial<Pick<RequestOptions, (typeof tlsKeys)[number]>>;

interface Pools {
  /** The TLS material and proxy the pools were built with. */
  readonly tls: TlsOptions;
  readonly proxyUrl: string | undefined;
  /** Short requests: bounded, kept alive and reused. */
  readonly requests: Dispatcher;
  /** Watches: each holds a connection open for minutes, so they must not starve requests. */
  readonly streams: Dispatcher;
}

/**
 * One pool of keep-alive connections per KubeClient, built from the kubeconfig's TLS material.
 * client-node builds a new undici Agent on every `applySecurityAuthentication`, which opens a
 * TLS connection per request; here the Agent lives as long as the client and is replaced
 * (the old one drained, then closed) only when the TLS material changes, as a rotating client
 * certificate from an exec plugin does. Headers, bearer tokens included, are computed for every
 * request, so token files and exec plugins that rotate keep working.
 *
 * A connection that stopped answering is found by PING (see `checkLiveness`), not by a request
 * timing out: over HTTP/2 aborting a request resets only its stream, and a request can be slow
 * (a big list) on a connection that is fine, whose other streams (watches, followed logs)
 * closing it would break for nothing.
 */
export class ConnectionPool {
  readonly #config: ClusterConfig;
  readonly #maxConnections: number;
  readonly #http2: boolean;
  readonly #liveness: Liveness;
  #pools: Pools | undefined;
  /** The current cluster's server split into origin and path prefix, parsed once. */
  #server:
    | { readonly server: string; readonly origin?: string | undefined; readonly prefix: string }
    | undefined;
  /** Replaced dispatchers still draining, so that `close` waits for them too. */
  readonly #retiring = new Set<Promise<void>>();

  constructor(
    config: ClusterConfig,
    options: {
      maxConnections?: number | undefined;
      http2?: boolean | undefined;
      liveness?: Liveness | undefined;
    } = {},
  ) {
    this.#config = config;
    this.#maxConnections = options.maxConnections ?? 16;
    this.#http2 = options.http2 ?? true;
    this.#liveness = options.liveness ?? defaultLiveness;
  }

  /** Authenticated URL, headers and dispatcher for a request (or a watch, with `stream`). */
  async prepare(path: string, operation: string, stream = false): Promise<PreparedRequest> {
    const cluster = this.#config.getCurrentCluster();
    if (!cluster) {
      throw new ConfigurationError({
        path: 'kubeconfig',
        message: `${operation}: the kubeconfig has no current cluster; set current-context to a context whose cluster exists`,
      });
    }
    const url = `${cluster.server.replace(/\/$/, '')}${path}`;
    const { origin, prefix } = this.#serverOf(cluster.server);
    const options: RequestOptions = {};
    await this.#config.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {}))
      if (value !== undefined) headers[name] = String(value);
    if (options.auth)
      headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const pools = this.#poolsFor(tlsOf(options), cluster, operation);
    return {
      url,
      origin,
      path: prefix + path,
      headers,
      ...(pools ? { dispatcher: stream ? pools.streams : pools.requests } : {}),
    };
  }

  /**
   * The server's origin and path prefix (a proxy's `/k8s/clusters/c-1`), as `new URL` reads
   * them: parsed once per server rather than once per request, which every request's own
   * `new URL` cost undici. The paths appended are percent-encoded already (paths.ts), so
   * parsing the whole URL would read them as they are. A server that is no URL, or one with
   * a query or fragment, gets no origin: each request then parses its whole URL as before.
   */
  #serverOf(server: string): { readonly origin?: string | undefined; readonly prefix: string } {
    if (this.#server?.server !== server) {
      const parsed = URL.parse(server);
      // A query or fragment in the server would swallow the path appended to it.
      this.#server =
        parsed && !parsed.search && !parsed.hash
          ? { server, origin: parsed.origin, prefix: parsed.pathname.replace(/\/$/, '') }
          : { server, prefix: '' };
    }
    return this.#server;
  }

  /**
   * Called with every answer's status: a 401 tells the kubeconfig its credentials were refused
   * (see `ClusterConfig.credentialsRejected`), so the next request authenticates afresh.
   */
  answered(statusCode: number, sent: Readonly<Record<string, string>>): void {
    if (statusCode === 401) {
      this.#config.credentialsRejected?.({
        authorization: sent.Authorization ?? sent.authorization,
      });
    }
  }

  /** Closes the pools, letting requests in flight finish, those on replaced pools included. */
  async close(): Promise<void> {
    const pools = this.#pools;
    this.#pools = undefined;
    if (pools) this.#retire(pools.requests, pools.streams);
    await Promise.all(this.#retiring);
  }

  /** Requests already sent on these dispatchers finish before their connections close. */
  #retire(...dispatchers: Dispatcher[]): void {
    const closed: Promise<void> = Promise.all(dispatchers.map((d) => d.close())).then(() => {
      this.#retiring.delete(closed);
    });
    this.#retiring.add(closed);
  }

  /** The pools for this TLS material: the current ones unless it changed. */
  #poolsFor(tls: TlsOptions, cluster: Cluster, operation: string): Pools | undefined {
    const { proxyUrl, server } = cluster;
    if (!proxyUrl && server.startsWith('http:') && !cluster.skipTLSVerify) {
      throw new ConfigurationError({
        path: 'kubeconfig',
        message: `${operation}: the server ${server} is plain HTTP; set insecure-skip-tls-verify to allow it`,
      });
    }
    if (!proxyUrl && Object.keys(tls).length === 0) return undefined;
    const current = this.#pools;
    if (current && current.proxyUrl === proxyUrl && sameTls(current.tls, tls)) return current;
    const material = { tls, proxyUrl };
    this.#pools = {
      ...material,
      requests: this.#dispatcher(material, this.#maxConnections),
      streams: this.#dispatcher(material, undefined),
    };
    if (current) this.#retire(current.requests, current.streams);
    return this.#pools;
  }

  /**
   * A pool over this TLS material and proxy. `connections` bounds concurrency only over
   * HTTP/1.1; over HTTP/2 every request of a pool shares one connection, PINGed and checked
   * for liveness.
   */
  #dispatcher(
    { tls, proxyUrl }: Pick<Pools, 'tls' | 'proxyUrl'>,
    connections: number | undefined,
  ): Dispatcher {
    const allowH2 = this.#http2;
    const liveness = this.#liveness;
    const common = {
      allowH2,
      h2Options: { pingInterval: liveness.pingIntervalMs },
      ...(connections ? { connections } : {}),
    };
    const connector = buildConnector({
      ...tls,
      allowH2,
      keepAlive: true,
      // undici's default 60 s keep-alive probe races cloud load balancers' idle timeouts;
      // 30 s matches client-go.
      keepAliveInitialDelay: 30_000,
    });
    if (proxyUrl && isSocksUrl(proxyUrl)) {
      return new Agent({
        ...common,
        connect: livenessChecked(socksConnector(parseSocksProxy(proxyUrl), connector), liveness),
      });
    }
    return proxyUrl
      ? new ProxyAgent({
          ...common,
          uri: proxyUrl,
          requestTls: tls,
          // The connection to the API server is the one a tunnel through the proxy ends in.
          factory: (origin, options) => {
            const { connect } = options as { connect: Parameters<typeof livenessChecked>[0] };
            return new Pool(origin, { ...options, connect: livenessChecked(connect, liveness) });
          },
        })
      : new Agent({ ...common, connect: livenessChecked(connector, liveness) });
  }
}

function tlsOf(options: RequestOptions): TlsOptions {
  const tls: Record<string, unknown> = {};
  for (const key of tlsKeys) if (options[key] !== undefined) tls[key] = options[key];
  return tls as TlsOptions;
}

/**
 * Whether two sets of TLS fields are the same material. client-node reads certificate files
 * and decodes base64 into new Buffers for every request, so Buffers compare by content; that
 * is a memcmp of a few kilobytes, where hashing them per request cost far more.
 */
function sameTls(a: TlsOptions, b: TlsOptions): boolean {
  return tlsKeys.every((key) => sameValue(a[key], b[key]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  return false;
}
