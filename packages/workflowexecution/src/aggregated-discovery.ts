import type { RequestOptions } from 'node:https';
import { AbortedError, ConfigurationError } from '@roundhouse/core';
import {
  type ClusterConfig,
  kubernetesErrorFromResponse,
  kubernetesErrorFromTransport,
} from '@roundhouse/kube';
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { DiscoveryUnreadableError } from './kind-table.js';

/** Where `KindDiscovery` reads the cluster's kinds. */
export interface DiscoveryClient {
  /** The aggregated discovery documents of `/api` and `/apis`, parsed, in that order. */
  discover(signal?: AbortSignal): Promise<readonly unknown[]>;
}

/** client-go's: aggregated discovery, else the plain group list of an older API server. */
const accept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

const tlsKeys = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
] as const;

/**
 * Reads aggregated discovery with the kubeconfig's credentials: `KubeClient` asks for plain
 * JSON only, to which `/apis` answers with the group names alone, and a group list would cost a
 * request per group version. Discovery is open to every authenticated user (the
 * `system:discovery` ClusterRole), so this needs no RBAC.
 *
 * Each read dials its own connection and closes it: discovery is read at start-up and then
 * minutes apart, and a connection made per read takes the kubeconfig's TLS material as it is
 * then (a client certificate an exec plugin rotates). A cluster behind an HTTP(S) proxy is
 * reached through it; one behind a SOCKS proxy is a ConfigurationError.
 */
export class AggregatedDiscovery implements DiscoveryClient {
  readonly #config: ClusterConfig;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(config: ClusterConfig, options: { timeoutMs?: number; userAgent?: string } = {}) {
    this.#config = config;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'roundhouse';
  }

  async discover(signal?: AbortSignal): Promise<readonly unknown[]> {
    const cluster = this.#config.getCurrentCluster();
    const problem = !cluster
      ? 'the kubeconfig has no current cluster'
      : cluster.proxyUrl?.startsWith('socks')
        ? 'the cluster is behind a SOCKS proxy, through which discovery is not read'
        : !cluster.proxyUrl && cluster.server.startsWith('http:') && !cluster.skipTLSVerify
          ? `the server ${cluster.server} is plain HTTP; set insecure-skip-tls-verify to allow it`
          : undefined;
    if (!cluster || problem) {
      throw new ConfigurationError({ path: 'kubeconfig', message: `discovery: ${problem}` });
    }
    const options: RequestOptions = {};
    await this.#config.applyToHTTPSOptions(options);
    const tls = Object.fromEntries(
      tlsKeys.flatMap((key) => (options[key] === undefined ? [] : [[key, options[key]]])),
    );
    const headers: Record<string, string> = { accept, 'user-agent': this.#userAgent };
    for (const [name, value] of Object.entries(options.headers ?? {}))
      if (value !== undefined) headers[name] = String(value);
    if (options.auth)
      headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const dispatcher = cluster.proxyUrl
      ? new ProxyAgent({ uri: cluster.proxyUrl, requestTls: tls })
      : new Agent({ connect: tls });
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const connection: Connection = {
      server: cluster.server.replace(/\/$/, ''),
      headers,
      dispatcher,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      caller: signal,
    };
    try {
      return await Promise.all([this.#get(connection, '/api'), this.#get(connection, '/apis')]);
    } finally {
      await dispatcher.close();
    }
  }

  async #get(connection: Connection, path: string): Promise<unknown> {
    const { server, headers, dispatcher, signal, caller } = connection;
    const operation = `discover ${path}`;
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(`${server}${path}`, { dispatcher, headers, signal });
      text = await response.body.text();
    } catch (error) {
      if (caller?.aborted) throw new AbortedError(operation, { cause: caller.reason });
      throw kubernetesErrorFromTransport(error, operation);
    }
    const { statusCode } = response;
    if (statusCode === 401) {
      this.#config.credentialsRejected?.({
        authorization: headers.Authorization ?? headers.authorization,
      });
    }
    if (statusCode < 200 || statusCode > 299) {
      throw kubernetesErrorFromResponse(statusCode, text, operation, response.headers);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new DiscoveryUnreadableError(`${operation}: the answer is not JSON`, { cause: error });
    }
  }
}

interface Connection {
  readonly server: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly dispatcher: Dispatcher;
  /** The caller's signal joined with the timeout. */
  readonly signal: AbortSignal;
  readonly caller: AbortSignal | undefined;
}
