import type { RequestOptions } from 'node:https';
import type { Cluster, HttpMethod } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import type { ClusterConfig } from './cluster-config.js';

/** What a request needs from the kubeconfig: where to go, how to authenticate, which pool. */
export interface PreparedRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly dispatcher?: Dispatcher;
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
 * certificate from an exec plugin does, or when its connection stops answering (see
 * `unresponsive`). Headers, bearer tokens included, are computed for every request, so token
 * files and exec plugins that rotate keep working.
 */
export class ConnectionPool {
  readonly #config: ClusterConfig;
  readonly #maxConnections: number;
  readonly #http2: boolean;
  #pools: Pools | undefined;
  /** Replaced dispatchers still draining, so that `close` waits for them too. */
  readonly #retiring = new Set<Promise<void>>();

  constructor(config: ClusterConfig, options: { maxConnections?: number; http2?: boolean } = {}) {
    this.#config = config;
    this.#maxConnections = options.maxConnections ?? 16;
    this.#http2 = options.http2 ?? true;
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
    if (cluster.proxyUrl?.startsWith('socks')) return this.#prepareSocks(method, url, operation);
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
      headers,
      ...(pools ? { dispatcher: stream ? pools.streams : pools.requests } : {}),
    };
  }

  /**
   * Called with every answer's status: a 401 tells the kubeconfig its credentials were refused
   * (see `ClusterConfig.credentialsRejected`), so the next request authenticates afresh.
   */
  answered(statusCode: number): void {
    if (statusCode === 401) this.#config.credentialsRejected?.();
  }

  /**
   * A request on `dispatcher` got no answer within its timeout, or a watch on it went silent
   * for its stall timeout. Over HTTP/2 aborting the request resets only its stream: a
   * connection that died without closing (dropped by a NAT or load balancer, a hung peer) stays
   * in the pool, and every request after it lands on it and times out in turn until the kernel
   * gives up retransmitting to it, many minutes later. client-go pings such a connection and
   * redials; undici's periodic PING waits for its ack without a deadline, and it probes only
   * when its own stream timeouts fire, which the client's shorter timers preempt. So the
   * dispatcher is replaced: the next request dials a new connection, and the old one closes
   * once what is in flight on it has ended, so streams that were healthy finish rather than
   * fail. Only a report about the current dispatcher counts: every request queued on a dead
   * connection times out, and one new connection is enough. With HTTP/2 off nothing is
   * replaced, as over HTTP/1.1 the abort already closed the request's own connection.
   */
  unresponsive(dispatcher: Dispatcher): void {
    const pools = this.#pools;
    if (!this.#http2 || !pools) return;
    if (dispatcher === pools.requests) {
      this.#pools = { ...pools, requests: this.#dispatcher(pools, this.#maxConnections) };
    } else if (dispatcher === pools.streams) {
      this.#pools = { ...pools, streams: this.#dispatcher(pools, undefined) };
    } else return;
    this.#retire(dispatcher);
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

  /**
   * SOCKS needs client-node's own connector, so such clusters keep its per-request dispatcher;
   * client-node is imported only here, as it loads its whole generated API.
   */
  async #prepareSocks(
    method: keyof typeof HttpMethod,
    url: string,
    operation: string,
  ): Promise<PreparedRequest> {
    if (!this.#config.applySecurityAuthentication) {
      throw new ConfigurationError({
        path: 'kubeconfig',
        message: `${operation}: the cluster is behind a SOCKS proxy, which needs a @kubernetes/client-node KubeConfig`,
      });
    }
    const { HttpMethod, RequestContext } = await import('@kubernetes/client-node');
    const context = new RequestContext(url, HttpMethod[method]);
    await this.#config.applySecurityAuthentication(context);
    const dispatcher = context.getDispatcher() as Dispatcher | undefined;
    return {
      url: context.getUrl(),
      headers: context.getHeaders(),
      ...(dispatcher ? { dispatcher } : {}),
    };
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
   * HTTP/1.1; over HTTP/2 every request of a pool shares one connection.
   */
  #dispatcher(
    { tls, proxyUrl }: Pick<Pools, 'tls' | 'proxyUrl'>,
    connections: number | undefined,
  ): Dispatcher {
    const allowH2 = this.#http2;
    return proxyUrl
      ? new ProxyAgent({
          uri: proxyUrl,
          requestTls: tls,
          allowH2,
          ...(connections ? { connections } : {}),
        })
      : new Agent({
          // undici's default 60 s keep-alive probe races cloud load balancers' idle timeouts;
          // 30 s matches client-go.
          connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 },
          allowH2,
          ...(connections ? { connections } : {}),
        });
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
