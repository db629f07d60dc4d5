/*
 * Over 350 lines because it is the whole REST adapter: every verb and the two streams (watch,
 * pod log) share one request path, one error classification and one pool, and splitting them
 * apart would spread that.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortedError,
  ConfigurationError,
  type DeletionPropagation,
  maxTimerMs,
  requestRefusal,
} from '@roundhouse/core';
import { type Dispatcher, getGlobalDispatcher, request } from 'undici';
import {
  type AnswerCeiling,
  answerTooLarge,
  listAnswerCeiling,
  maxErrorBodyBytes,
  objectAnswerCeiling,
  readErrorBody,
} from './answer-body.js';
import { type BufferedAnswer, requestBuffered } from './buffered-request.js';
import type { ClusterConfig } from './cluster-config.js';
import { defaultLiveness } from './connection-liveness.js';
import { ConnectionPool } from './connection-pool.js';
import {
  isKubernetesError,
  KubernetesApiError,
  kubernetesErrorFromResponse,
  kubernetesErrorFromTransport,
} from './kubernetes-errors.js';
import { LineSplitter } from './line-splitter.js';
import { discoveryPath, parseWarnings, queryString, resourcePath } from './paths.js';
import {
  containerStateOf,
  followLog,
  type LogFollowOptions,
  type LogRequest,
  type LogStreamEnd,
  logFollowSettings,
} from './pod-log-follow.js';
import type { Reader } from './reader.js';
import { apiVersionOf, type ResourceOf, type ResourceType, resources } from './resources.js';
import {
  successful,
  type WatchEvent,
  type WatchOptions,
  type WatchOutcome,
  watchPath,
  watchStream,
} from './watch-stream.js';

/** The fields of ObjectMeta that Roundhouse reads; everything else passes through untouched. */
export interface KubeObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?:
    | {
        name?: string | undefined;
        generateName?: string | undefined;
        namespace?: string | undefined;
        uid?: string | undefined;
        resourceVersion?: string | undefined;
        generation?: number | undefined;
        creationTimestamp?: string | undefined;
        deletionTimestamp?: string | undefined;
        deletionGracePeriodSeconds?: number | undefined;
        labels?: Record<string, string> | undefined;
        annotations?: Record<string, string> | undefined;
        finalizers?: string[] | undefined;
        ownerReferences?: Record<string, unknown>[] | undefined;
      }
    | undefined;
  [field: string]: unknown;
}

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface ListOptions extends RequestOptions {
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** Page size; the client follows `continue` tokens until the list is complete. */
  readonly limit?: number | undefined;
  /**
   * Applied to each item as its page arrives, so a caller that keeps only part of each object
   * (a cache) never holds every object of a long list whole at once.
   */
  readonly transform?: ((item: KubeObject) => KubeObject) | undefined;
}

export type { DeletionPropagation };

export interface DeleteOptions extends RequestOptions {
  readonly propagationPolicy?: DeletionPropagation | undefined;
  /** Delete only if the object still has this uid / resourceVersion (guards against races). */
  readonly preconditions?:
    | { readonly uid?: string | undefined; readonly resourceVersion?: string | undefined }
    | undefined;
}

export interface PodLogOptions extends RequestOptions {
  /** The container; the API server requires it for a pod with more than one. */
  readonly container?: string | undefined;
  /**
   * Keep the stream open for what the container writes later, until it terminates; a stall or a
   * broken connection re-opens it from the last line (see `KubeClientOptions.logFollow`).
   */
  readonly follow?: boolean | undefined;
  /** Only the last lines. */
  readonly tailLines?: number | undefined;
  /**
   * Begin each line with the time the container runtime recorded it (RFC3339 with nanoseconds)
   * and a space, as the API server sends it.
   */
  readonly timestamps?: boolean | undefined;
  /**
   * With `follow`: this log's idle bound instead of the client's `logFollow.idleTimeoutMs`; 0
   * turns it off for this log.
   */
  readonly idleTimeoutMs?: number | undefined;
}

export type PatchStrategy = 'merge' | 'json' | 'apply';

export interface PatchOptions extends RequestOptions {
  readonly strategy?: PatchStrategy | undefined;
  readonly subresource?: 'status' | undefined;
  /** Required for server-side apply; defaults to the client's field manager. */
  readonly fieldManager?: string | undefined;
  readonly force?: boolean | undefined;
}

export interface CreateOptions extends RequestOptions {
  /**
   * Create a subresource of the object `name` instead, e.g. a ServiceAccount's `token` (a
   * TokenRequest, whose answer carries the token: nothing of it is put into an error).
   */
  readonly subresource?: { readonly name: string; readonly subresource: 'token' } | undefined;
}

export interface Created<T> {
  readonly object: T;
  /** API server `Warning` headers, e.g. deprecations. */
  readonly warnings: string[];
}

export interface KubeClientOptions {
  /**
   * Per-request timeout, the kubeconfig's credentials step (an exec plugin) included; a watch or
   * long list gets its own. Default 30 s.
   */
  readonly timeoutMs?: number | undefined;
  /** Field manager for writes; default "roundhouse". */
  readonly fieldManager?: string | undefined;
  readonly userAgent?: string | undefined;
  /** Keep-alive HTTP/1.1 connections to the API server for requests (see `http2`); default 16. */
  readonly maxConnections?: number | undefined;
  /**
   * Negotiate HTTP/2 with the API server, multiplexing the requests of each pool on one
   * connection; default true. With false, requests go over HTTP/1.1 on up to `maxConnections`
   * connections and each watch holds one of its own: in one benchmark a tenth to a fifth less
   * CPU per request, and 11 MiB more resident memory for a controller's connections
   * (docs/performance.md).
   */
  readonly http2?: boolean | undefined;
  /**
   * Over HTTP/2 each connection is sent a PING this often; one from which nothing, not even the
   * answer to a PING, has arrived for this long plus `pingTimeoutMs` is closed, failing the
   * requests, watches and followed logs on it with a retryable `Unavailable`, and the next
   * request dials a new one. That is how a connection that died without a reset (a network
   * partition, a dropped NAT entry, a hung API server) is told from one that is merely quiet.
   * Default 30 s, client-go's.
   */
  readonly pingIntervalMs?: number | undefined;
  /** How long a PING may go unanswered on top of `pingIntervalMs`; default 15 s, client-go's. */
  readonly pingTimeoutMs?: number | undefined;
  /**
   * How a followed pod log outlives a stall between the API server and the kubelet (which PINGs
   * cannot see: the connection to the API server stays alive) and a broken connection: re-opened
   * after `idleTimeoutMs` without a byte (default 5 minutes; 0 never) from its last line, each
   * line once; failures in a row are retried with backoff, up to `reopenAttempts` (default 5).
   */
  readonly logFollow?: LogFollowOptions | undefined;
}

const contentTypes: Readonly<Record<PatchStrategy, string>> = {
  // Custom resources reject strategic merge, so it is never used implicitly.
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * A small REST client over a kubeconfig (`loadKubeConfig`, or client-node's `KubeConfig`):
 * plain JSON objects in and out (no class instances, no Date conversion), every failure a
 * classified `KubernetesApiError`, an AbortSignal on every call, explicit patch content types. Backends
 * depend on this adapter, not on the generated client, so the client version can change
 * without touching them.
 */
export class KubeClient implements Reader {
  readonly #pool: ConnectionPool;
  readonly #timeoutMs: number;
  readonly #fieldManager: string;
  readonly #userAgent: string;
  readonly #logFollow: Required<LogFollowOptions>;

  constructor(config: ClusterConfig, options: KubeClientOptions = {}) {
    this.#pool = new ConnectionPool(config, {
      ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
      ...(options.http2 !== undefined ? { http2: options.http2 } : {}),
      liveness: {
        pingIntervalMs: milliseconds(options, 'pingIntervalMs') ?? defaultLiveness.pingIntervalMs,
        pingTimeoutMs: milliseconds(options, 'pingTimeoutMs') ?? defaultLiveness.pingTimeoutMs,
      },
    });
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fieldManager = options.fieldManager ?? 'roundhouse';
    this.#userAgent = options.userAgent ?? 'roundhouse';
    this.#logFollow = logFollowSettings(options.logFollow);
  }

  get fieldManager(): string {
    return this.#fieldManager;
  }

  /** Closes the connection pool once requests in flight finish; call it on shutdown. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async create<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    body: T,
    options: CreateOptions = {},
  ): Promise<Created<T>> {
    const { subresource, ...rest } = options;
    const object = { apiVersion: apiVersionOf(type), kind: type.kind, ...body };
    const path =
      (subresource
        ? `${resourcePath(type, { namespace, name: subresource.name })}/${subresource.subresource}`
        : resourcePath(type, { namespace })) + queryString({ fieldManager: this.#fieldManager });
    const what = subresource
      ? `create ${type.kind} ${[namespace, subresource.name].filter(Boolean).join('/')} ${subresource.subresource}`
      : describe('create', type, namespace, body.metadata?.name);
    const response = await this.#request<T>('POST', path, what, { ...rest, body: object });
    return { object: response.body, warnings: response.warnings };
  }

  /** The object, or `null` when it does not exist. */
  async get<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    name: string,
    options: RequestOptions = {},
  ): Promise<T | null> {
    const path = resourcePath(type, { namespace, name });
    const response = await this.#request<T>('GET', path, describe('get', type, namespace, name), {
      ...options,
      notFoundIsNull: true,
    });
    return response.body;
  }

  /**
   * Every matching object, following `continue` tokens across pages. A token is good only until
   * etcd compacts past it, minutes later; when it has expired (410) the list starts again as one
   * unpaged request, as client-go's pager does, since paging again could expire the same way.
   */
  async list<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let limit = options.limit;
    let token: string | undefined;
    // A token that comes back (a buggy proxy, a hostile server) would be followed forever.
    const followed = new Set<string>();
    for (;;) {
      const path =
        resourcePath(type, { namespace }) +
        queryString({
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit,
          continue: token,
        });
      let body: ListPage<T>;
      try {
        const operation = describe('list', type, namespace);
        const answer = await this.#request<unknown>('GET', path, operation, {
          ...options,
          ceiling: listAnswerCeiling,
        });
        body = listPage<T>(answer.body, operation);
      } catch (error) {
        if (token === undefined || !isKubernetesError(error, 'Gone')) throw error;
        items.length = 0;
        limit = undefined;
        token = undefined;
        continue;
      }
      const { transform } = options;
      for (const item of body.items) items.push(transform ? (transform(item) as T) : item);
      token = body.metadata.continue || undefined;
      if (!token) return { items, resourceVersion: body.metadata.resourceVersion };
      if (followed.has(token)) {
        throw new KubernetesApiError(
          'Unknown',
          `${describe('list', type, namespace)}: the API server sent a continue token it sent before; the list would never end`,
          undefined,
        );
      }
      followed.add(token);
    }
  }

  /** Deletes the object; `false` when it was already gone. */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    return (await this.deleteAnswered(type, namespace, name, options)) !== null;
  }

  /**
   * Deletes the object and resolves to what the API server answered: the object as stored,
   * or a `Status` (see `remainingAfterDelete` for what each means); `null` when it was already
   * gone. A caller that caches the object learns from it without a read whether it stays.
   */
  async deleteAnswered(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<KubeObject | null> {
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.preconditions ? { preconditions: options.preconditions } : {}),
    };
    const response = await this.#request<KubeObject>(
      'DELETE',
      resourcePath(type, { namespace, name }),
      describe('delete', type, namespace, name),
      { ...options, body, notFoundIsNull: true },
    );
    return response.body;
  }

  async patch<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<T> {
    const strategy = options.strategy ?? 'merge';
    const path =
      resourcePath(type, { namespace, name, subresource: options.subresource }) +
      queryString({
        fieldManager: options.fieldManager ?? this.#fieldManager,
        force: strategy === 'apply' ? (options.force ?? false) : undefined,
      });
    const response = await this.#request<T>(
      'PATCH',
      path,
      describe('patch', type, namespace, name),
      { ...options, body: patch, contentType: contentTypes[strategy] },
    );
    return response.body;
  }

  /** Replaces the object (or its status); the body's resourceVersion makes it conditional. */
  async replace<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    name: string,
    body: T,
    options: RequestOptions & { subresource?: 'status' | undefined } = {},
  ): Promise<T> {
    const path =
      resourcePath(type, { namespace, name, subresource: options.subresource }) +
      queryString({ fieldManager: this.#fieldManager });
    const response = await this.#request<T>(
      'PUT',
      path,
      describe('replace', type, namespace, name),
      { ...options, body },
    );
    return response.body;
  }

  /** Whether the API server serves this resource (e.g. whether a CRD is installed). */
  async isServed(type: ResourceType, options: RequestOptions = {}): Promise<boolean> {
    const response = await this.#request<{ resources?: { name: string }[] | undefined }>(
      'GET',
      discoveryPath(type),
      `discover ${apiVersionOf(type)}`,
      { ...options, notFoundIsNull: true },
    );
    return response.body?.resources?.some((r) => r.name === type.plural) ?? false;
  }

  /**
   * The aggregated discovery documents of `/api` and `/apis`, in that order, as kubectl reads
   * them: every resource the cluster serves, with its kind, plural, singular, short names and
   * scope, in two requests (the plain JSON answer of `/apis` names the groups alone, and a
   * document per group version would cost a request each). It asks for
   * `apidiscovery.k8s.io/v2`, else `v2beta1` (API servers 1.27 to 1.29; same fields), as
   * client-go does. An API server without aggregated discovery (before 1.27, where it was an
   * alpha feature off by default) answers with the plain group list, which the caller tells
   * apart by its `kind`. Discovery is open to every authenticated user (`system:discovery`).
   */
  async discoverApiResources(options: RequestOptions = {}): Promise<readonly unknown[]> {
    return Promise.all(
      ['/api', '/apis'].map(
        async (path) =>
          (
            await this.#request<unknown>('GET', path, `discover ${path}`, {
              ...options,
              accept: aggregatedDiscovery,
            })
          ).body,
      ),
    );
  }

  /**
   * Watches a collection from `options.resourceVersion`: every event goes to `onEvent` in order,
   * and the promise resolves with how the stream ended (stopped by the signal, closed by the
   * server, or failed with a classified error) instead of rejecting; it rejects only with a
   * kubeconfig problem or what `onEvent` throws. The per-request timeout covers the credentials
   * step and, once they are ready, the wait for the answer's headers (an API server that accepts
   * the connection but never answers is given up on then, not after the stall timeout), never
   * the body: a watch is meant to stay open. A connection that dies under it is found
   * by PING (`pingIntervalMs`); the stall timeout guards against an API server that stopped
   * sending on a connection that is still alive, which is why a stall leaves the connection be.
   */
  async watch<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    onEvent: (event: WatchEvent<T>) => void,
    options: WatchOptions,
  ): Promise<WatchOutcome> {
    const operation = describe('watch', type, namespace);
    const { signal } = options;
    if (signal?.aborted) return { end: 'stopped' };
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let prepared: Prepared;
    try {
      prepared = await this.#prepare(
        watchPath(type, namespace, options),
        operation,
        true,
        signal ? AbortSignal.any([signal, timeout]) : timeout,
      );
    } catch (error) {
      if (signal?.aborted) return { end: 'stopped' };
      if (timeout.aborted)
        return { end: 'failed', error: credentialsTimeout(operation, this.#timeoutMs) };
      throw error;
    }
    const { url, dispatcher, headers } = prepared;
    const open = async (signal: AbortSignal) => {
      const response = await request(url, { dispatcher, headers, signal });
      this.#pool.answered(response.statusCode, headers);
      return response;
    };
    return watchStream<T>(open, {
      operation,
      stallTimeoutMs: options.stallTimeoutMs,
      answerTimeoutMs: this.#timeoutMs,
      signal,
      onEvent,
    });
  }

  /**
   * A container's log, line by line, from the pod's `log` subresource, on the same connections
   * and authentication as every other request (a followed log on the watch pool, since it stays
   * open). The per-request timeout covers the credentials step and the answer's headers only: a
   * followed log is silent while the container is, and a long log takes as long as it takes.
   * A followed log whose connection stops answering PINGs breaks off (see `pingIntervalMs`); one
   * that stalls behind a live connection (the API server's leg to the kubelet) delivers nothing
   * for `logFollow.idleTimeoutMs`. Either way it is re-opened from the last line's timestamp
   * (`sinceTime`; every open asks for `timestamps=true`, which are removed unless `timestamps`
   * is set) and each line is handed out once. It ends when the server ends it, as the kubelet
   * does once the container stopped, or when the pod is gone; after a stall a finished
   * container's rest is read without following. Retryable failures in a row are retried with
   * backoff; after `logFollow.reopenAttempts` the follow fails with `LogFollowError`, any other
   * failure as it is. The signal ends the iteration without an error; leaving the loop early
   * closes the connection.
   */
  async *logs(namespace: string, pod: string, options: PodLogOptions = {}): AsyncGenerator<string> {
    const { container, follow, tailLines, timestamps, signal } = options;
    const operation = `logs Pod ${namespace}/${pod}${container ? ` container ${container}` : ''}`;
    const path = resourcePath(resources.pods, { namespace, name: pod, subresource: 'log' });
    if (!follow) {
      const query = queryString({ container, tailLines, timestamps: timestamps || undefined });
      yield* this.#logStream(path + query, operation, false, 0, signal);
      return;
    }
    const settings =
      options.idleTimeoutMs === undefined
        ? this.#logFollow
        : {
            ...this.#logFollow,
            idleTimeoutMs: logFollowSettings({ idleTimeoutMs: options.idleTimeoutMs }, '')
              .idleTimeoutMs,
          };
    const open = (request: LogRequest, answered: () => void) =>
      this.#logStream(
        path +
          queryString({
            container,
            follow: request.follow || undefined,
            sinceTime: request.sinceTime,
            tailLines: request.tailLines,
            timestamps: true,
          }),
        operation,
        request.follow,
        settings.idleTimeoutMs,
        signal,
        answered,
      );
    yield* followLog(
      {
        open,
        containerState: async () => {
          try {
            return containerStateOf(
              await this.get(resources.pods, namespace, pod, { signal }),
              container,
            );
          } catch {
            // Not allowed to read the pod, or the API server is down: the re-open will tell.
            return 'unknown';
          }
        },
        wait: (ms) => sleep(ms, true, { signal }).catch(() => false),
      },
      { ...settings, operation, tailLines, timestamps: timestamps === true, signal },
    );
  }

  /**
   * One request of a container's log: `answered` once it succeeded, its lines, then how it
   * ended. `idleTimeoutMs` (0: none) bounds each wait for the next bytes once the answer came;
   * a stream that exceeds it is closed (over HTTP/2 only that stream: the connection still
   * answers) and ends `stalled`, its unfinished last line dropped, since a re-open reads it
   * whole.
   */
  async *#logStream(
    path: string,
    operation: string,
    stream: boolean,
    idleTimeoutMs: number,
    signal: AbortSignal | undefined,
    answered?: () => void,
  ): AsyncGenerator<string, LogStreamEnd> {
    if (signal?.aborted) return 'stopped';
    const connection = new AbortController();
    const stop = () => connection.abort();
    signal?.addEventListener('abort', stop, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.abort();
    }, this.#timeoutMs);
    let stalled = false;
    // A transport failure after the caller stopped is the stop itself, not an error.
    const broken = (error: unknown) => {
      if (timedOut) {
        return new KubernetesApiError(
          'Timeout',
          `${operation}: no answer within ${this.#timeoutMs} ms`,
          undefined,
        );
      }
      return kubernetesErrorFromTransport(error, operation);
    };
    try {
      let prepared: Prepared;
      try {
        prepared = await this.#prepare(path, operation, stream, connection.signal);
      } catch (error) {
        if (signal?.aborted) return 'stopped';
        throw timedOut ? credentialsTimeout(operation, this.#timeoutMs) : error;
      }
      const refused = requestRefusal();
      if (refused) throw refused;
      const { url, dispatcher, headers } = prepared;
      // The log is plain text; only a failure comes as a JSON Status.
      headers.accept = 'text/plain, application/json';
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, { dispatcher, headers, signal: connection.signal });
      } catch (error) {
        if (signal?.aborted) return 'stopped';
        throw broken(error);
      }
      this.#pool.answered(response.statusCode, headers);
      if (!successful(response.statusCode)) {
        // Under the timeout still: an error body that never ends must not hold the caller.
        const text = await readErrorBody(response.body).catch(() => '');
        if (signal?.aborted) return 'stopped';
        throw kubernetesErrorFromResponse(response.statusCode, text, operation, response.headers);
      }
      clearTimeout(timer);
      answered?.();
      const chunks: AsyncIterator<Uint8Array> = response.body[Symbol.asyncIterator]();
      // Only the wait for bytes counts as idle, not the time the caller takes over a line.
      const nextChunk = async () => {
        if (idleTimeoutMs === 0) return chunks.next();
        const idle = setTimeout(() => {
          stalled = true;
          connection.abort();
        }, idleTimeoutMs);
        try {
          return await chunks.next();
        } finally {
          clearTimeout(idle);
        }
      };
      const lines = new LineSplitter(maxLogLineLength);
      for (;;) {
        let chunk: IteratorResult<Uint8Array>;
        try {
          chunk = await nextChunk();
        } catch (error) {
          if (signal?.aborted) return 'stopped';
          if (stalled) return 'stalled';
          throw broken(error);
        }
        if (stalled) return 'stalled';
        if (chunk.done) {
          yield* lines.end();
          return 'ended';
        }
        yield* lines.push(chunk.value);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      connection.abort();
    }
  }

  async #request<T>(
    method: HttpVerb,
    path: string,
    operation: string,
    options: RequestOptions & RequestShape & { notFoundIsNull: true },
  ): Promise<{ body: T | null; warnings: string[] }>;
  async #request<T>(
    method: HttpVerb,
    path: string,
    operation: string,
    options: RequestOptions & RequestShape & { notFoundIsNull?: false | undefined },
  ): Promise<{ body: T; warnings: string[] }>;
  async #request<T>(
    method: HttpVerb,
    path: string,
    operation: string,
    options: RequestOptions & RequestShape & { notFoundIsNull?: boolean | undefined },
  ): Promise<{ body: T | null; warnings: string[] }> {
    const caller = options.signal;
    if (caller?.aborted) throw new AbortedError(operation, { cause: caller.reason });
    // One controller and one timer: cheaper per request than AbortSignal.timeout joined to the
    // caller's signal by AbortSignal.any. The timer aborts with the TimeoutError
    // AbortSignal.timeout would, which classifies a timeout as reason Timeout. Both cover the
    // credentials step, which may wait on an exec plugin.
    const connection = new AbortController();
    const stop = () => connection.abort();
    caller?.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(
      () =>
        connection.abort(
          new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
        ),
      this.#timeoutMs,
    );
    // Set once the credentials step is done, so a failure says which step it interrupted.
    let dispatcher: Dispatcher | undefined;
    let response: BufferedAnswer;
    const ceiling = options.ceiling ?? objectAnswerCeiling;
    let sent: Readonly<Record<string, string>> = {};
    // The refusal of the request gate of the work sending this (see `withRequestGate`), as is.
    let refused: Error | undefined;
    try {
      const prepared = await this.#prepare(path, operation, false, connection.signal);
      const { url, headers } = prepared;
      sent = headers;
      dispatcher = prepared.dispatcher;
      if (options.body !== undefined)
        headers['content-type'] = options.contentType ?? 'application/json';
      if (options.accept !== undefined) headers.accept = options.accept;
      const body = options.body !== undefined ? JSON.stringify(options.body) : undefined;
      // Checked last, after the credentials step (which may wait) and the body: only undici's
      // synchronous dispatch runs between it and the send.
      refused = requestRefusal();
      if (refused) throw refused;
      // A server the pool could not split is parsed with the path, as undici's `request` did; one
      // that is no URL fails here as it failed there.
      const target = prepared.origin === undefined ? new URL(url) : undefined;
      // Read to the end whatever the status, an unread body keeping its connection from reuse;
      // but an error body only to its limit.
      response = await requestBuffered(
        dispatcher,
        {
          origin: target?.origin ?? (prepared.origin as string),
          path: target ? target.pathname + target.search : prepared.path,
          method,
          headers,
          body,
          // Over HTTP/1.1 undici closes the connection after a body on a method that does not
          // expect one, in case the server left it unread; the API server reads a DELETE's
          // DeleteOptions, and closing would cost a new TLS connection per delete.
          ...(method === 'DELETE' ? { reset: false } : {}),
        },
        { successBytes: ceiling.bytes, errorBytes: maxErrorBodyBytes },
        connection.signal,
      );
    } catch (error) {
      if (refused) throw refused;
      if (caller?.aborted) throw new AbortedError(operation, { cause: caller.reason });
      const timedOut = connection.signal.aborted;
      if (!dispatcher) throw timedOut ? credentialsTimeout(operation, this.#timeoutMs) : error;
      throw kubernetesErrorFromTransport(error, operation);
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', stop);
    }
    const { text } = response;
    // Whether a successful answer went past `ceiling`, its rest left unread.
    const cut = response.cut && successful(response.statusCode);
    const { statusCode } = response;
    this.#pool.answered(statusCode, sent);
    if (cut) throw answerTooLarge(ceiling, operation, statusCode);
    if (statusCode === 404 && options.notFoundIsNull) return { body: null, warnings: [] };
    if (!successful(statusCode)) {
      throw kubernetesErrorFromResponse(statusCode, text, operation, response.headers);
    }
    const warning = response.headers.warning;
    return {
      body: parseBody<T>(text, response, operation),
      // A header sent more than once is one comma-separated list (RFC 9110).
      warnings: parseWarnings(Array.isArray(warning) ? warning.join(', ') : (warning ?? null)),
    };
  }

  /**
   * The URL, authenticated headers and pooled dispatcher of a request, from the kubeconfig.
   * When `signal` fires first (a timeout, the caller's stop) this rejects with its reason and
   * leaves the credentials step to finish on its own, so a plugin that hangs cannot hold a
   * request forever: the step may serve other requests too (one exec plugin run serves all that
   * wait on it), and the plugin's own timeout kills it (one `loadKubeConfig` gives it; a
   * client-node KubeConfig's exec plugin has none).
   */
  async #prepare(
    path: string,
    operation: string,
    stream: boolean,
    signal: AbortSignal,
  ): Promise<Prepared> {
    const prepared = await unlessAborted(this.#pool.prepare(path, operation, stream), signal);
    return {
      url: prepared.url,
      origin: prepared.origin,
      path: prepared.path,
      dispatcher: prepared.dispatcher ?? getGlobalDispatcher(),
      headers: { ...prepared.headers, accept: 'application/json', 'user-agent': this.#userAgent },
    };
  }
}

type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The longest log line handed out whole, in UTF-16 units; a longer one comes in pieces of this
 * length. The kubelet joins a runtime's 16 KiB entries back into the line the container wrote,
 * so a container that writes without line breaks makes one line of any length.
 */
const maxLogLineLength = 1024 * 1024;

/** What a request sends besides its path: a body and its type, and what it accepts back. */
interface RequestShape {
  readonly body?: unknown;
  readonly contentType?: string | undefined;
  /** Default `application/json`. */
  readonly accept?: string | undefined;
  /** How much of a successful answer is read; default one object's. */
  readonly ceiling?: AnswerCeiling | undefined;
}

/**
 * client-go's Accept for discovery (`acceptDiscoveryFormats` through 1.36): the aggregated v2
 * document (1.30 on), else v2beta1 (the only one 1.27 to 1.29 serve), else plain JSON.
 */
const aggregatedDiscovery =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' +
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface Prepared {
  readonly url: string;
  readonly origin: string | undefined;
  readonly path: string;
  readonly dispatcher: Dispatcher;
  readonly headers: Record<string, string>;
}

/** `promise`'s outcome, or a rejection with the signal's reason if the signal fires first. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * The credentials step did not finish within the timeout: most likely an exec plugin waiting on
 * its identity provider, which may well answer the next attempt.
 */
function credentialsTimeout(operation: string, timeoutMs: number): KubernetesApiError {
  return new KubernetesApiError(
    'Timeout',
    `${operation}: the kubeconfig's credentials were not ready within ${timeoutMs} ms; check its exec credential plugin`,
    undefined,
  );
}

/**
 * A successful answer's JSON. Anything else is a classified error that does not quote the body
 * (JSON.parse's message would, and it may be a Secret's): JSON cut short, which undici hands over
 * as complete when an HTTP/2 stream is reset mid-body, is a broken connection worth retrying;
 * another media type (a proxy's login page) is not. An empty answer is JSON cut short too, as
 * client-go's "0-length response" is an error: the API server answers every verb with an object
 * or a Status, and reading one reset before its first byte as none would make `get` say the
 * object does not exist and `delete` that it was already gone.
 */
function parseBody<T>(text: string, response: BufferedAnswer, operation: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    const { statusCode } = response;
    const mediaType = String(response.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim();
    throw mediaType === 'application/json'
      ? new KubernetesApiError(
          'Unavailable',
          `${operation}: the API server's answer (${statusCode}) is ${text ? 'not complete JSON' : 'empty'}; the connection broke off`,
          statusCode,
        )
      : new KubernetesApiError(
          'Unknown',
          `${operation}: the API server answered ${statusCode} with ${mediaType || 'no content type'}, not JSON; check that the kubeconfig's server is the API server`,
          statusCode,
        );
  }
}

/** One page of a list answer, the part `list` reads. */
interface ListPage<T> {
  readonly items: readonly T[];
  readonly metadata: { continue?: string | undefined; resourceVersion: string };
}

/**
 * A list answer's page, checked by hand (it runs once per page, whatever its length): JSON that is
 * no list (a proxy's `{}`) is a classified error, not a TypeError, and never an empty list, which
 * an informer would take for every object deleted. Go encodes an empty slice it left nil as
 * `null`, which is an empty page.
 */
function listPage<T>(body: unknown, operation: string): ListPage<T> {
  const { items, metadata } = (body ?? {}) as Record<string, unknown>;
  if ((items === null || Array.isArray(items)) && typeof metadata === 'object' && metadata) {
    return { items: (items ?? []) as T[], metadata: metadata as ListPage<T>['metadata'] };
  }
  throw new KubernetesApiError(
    'Unknown',
    `${operation}: the API server's answer is not a list; check that the kubeconfig's server is the API server`,
    undefined,
  );
}

/** A duration option, checked: undici takes whole milliseconds. */
function milliseconds(
  options: KubeClientOptions,
  field: 'pingIntervalMs' | 'pingTimeoutMs',
): number | undefined {
  const value = options[field];
  if (value === undefined || (Number.isInteger(value) && value > 0 && value <= maxTimerMs)) {
    return value;
  }
  throw new ConfigurationError({
    path: field,
    message: `must be a whole number of milliseconds from 1 to ${maxTimerMs}, not ${value}`,
  });
}

function describe(verb: string, type: ResourceType, namespace?: string, name?: string): string {
  const where = [namespace, name].filter(Boolean).join('/');
  return `${verb} ${type.kind}${where ? ` ${where}` : ''}`;
}
