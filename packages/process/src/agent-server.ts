import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, type FieldIssue, type Logger, noopLogger } from '@roundhouse/core';
import { isLoopback } from './agent-config.js';
import { type RequestTarget, type Route, requestTarget, route } from './agent-routes.js';
import { isAuthorized } from './bearer-auth.js';
import { browserRequestProblem } from './browser-request.js';
import { type ConnectionLimits, connectionLimits } from './connection-limits.js';
import { defaultLogBytes, type LogStream, maxLogBytes } from './log-tail.js';
import type { ProcessSupervisor } from './supervisor.js';
import { TaskConflictError, TaskLimitError, TaskStoreError } from './task-errors.js';
import { taskNameProblem } from './task-name.js';
import { TaskRequestError } from './wire-errors.js';
import { desiredTasksFromWire, parseJsonBody, taskRequestFromWire } from './wire-request.js';
import { toWireTask } from './wire-task.js';

export interface TaskExecutorServerOptions {
  readonly supervisor: ProcessSupervisor;
  /**
   * When set, every endpoint but `/health` needs `Authorization: Bearer <token>`. Unset, they
   * refuse what a web page could have a browser send (see `browserRequestProblem`).
   */
  readonly authToken?: string | undefined;
  /** Largest request body accepted; default 1 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** How many connections are held at once, and how long each may be held idle. */
  readonly connections?: Partial<ConnectionLimits> | undefined;
  readonly logger?: Logger | undefined;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The agent's HTTP API over a ProcessSupervisor, compatible with OpenSandbox's task-executor:
 * `POST /tasks`, `GET|DELETE /tasks/{name}`, `POST /setTasks`, `GET /getTasks`, `GET /health`,
 * plus `GET /tasks/{name}/logs` (`stream`, `limitBytes`, and `offset` to read from a position
 * in the stream instead of its tail). Every answer is JSON; every refusal names the bad field.
 */
export class TaskExecutorServer {
  readonly #server: Server;
  readonly #supervisor: ProcessSupervisor;
  readonly #token: string | undefined;
  readonly #maxBodyBytes: number;
  readonly #log: Logger;
  /** Whether it listens on a loopback address, where a `Host` can only be a rebound name. */
  #loopback = false;
  /** Connections refused at the cap since the last warning, and when that was. */
  #dropped = 0;
  #warnedAt = Number.NEGATIVE_INFINITY;

  constructor(options: TaskExecutorServerOptions) {
    this.#supervisor = options.supervisor;
    this.#token = options.authToken;
    this.#maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.#log = options.logger ?? noopLogger;
    const limits = connectionLimits(options.connections);
    this.#server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // Node looks for expired requests this often (30 s by default), which would stretch a
        // 10 s headers timeout to 40 s.
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      },
      (request, response) => this.#serve(request, response),
    );
    this.#server.maxConnections = limits.maxConnections;
    this.#server.on('drop', () => this.#refused(limits.maxConnections));
  }

  /**
   * Counts a connection refused at the cap, and says so at most once a minute: a caller
   * holding the cap leaves the process engine and the kubelet's probes unanswered, and one
   * line per refused connection would let it flood the log as well.
   */
  #refused(maxConnections: number): void {
    this.#dropped++;
    const now = Date.now();
    if (now - this.#warnedAt < 60_000) return;
    this.#log.warn(
      { maxConnections, refused: this.#dropped },
      'refusing connections: as many are open as maxConnections (--max-connections) allows',
    );
    this.#warnedAt = now;
    this.#dropped = 0;
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#loopback = isLoopback(address.address);
    return { host: address.address, port: address.port };
  }

  /** Stops accepting requests and waits for the open ones to finish. */
  async close(): Promise<void> {
    this.#server.closeIdleConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /**
   * Answers one request. Nothing a request does may escape as a rejection: the agent has no
   * handler for one, and Node would end the process, and with it the supervision of every task.
   * What the handler itself cannot answer drops the connection instead.
   */
  #serve(request: IncomingMessage, response: ServerResponse): void {
    this.#handle(request, response).catch((error: unknown) => {
      response.destroy();
      this.#log.error({ error: describeError(error) }, 'request abandoned');
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = requestTarget(request.url ?? '/');
    const reply = target
      ? await this.#reply(request, target).catch((error: unknown) => this.#failure(error))
      : badTarget;
    // The body of a refused request may be left unread: the connection is not reused after it.
    if (reply.status === 413 || !target) response.setHeader('Connection', 'close');
    send(response, reply);
    this.#log.debug(
      { method: request.method, path: target?.path, status: reply.status },
      'request',
    );
  }

  async #reply(request: IncomingMessage, target: RequestTarget): Promise<Reply> {
    const endpoint = route(request.method ?? 'GET', target.path);
    const open = endpoint.kind === 'health' || this.#token === undefined;
    if (!open && !isAuthorized(request.headers.authorization, this.#token)) {
      await consume(request, this.#maxBodyBytes, () => {});
      return {
        status: 401,
        body: problem(401, 'Unauthorized', 'a valid bearer token is required'),
        headers: { 'WWW-Authenticate': 'Bearer' },
      };
    }
    const browser =
      this.#token === undefined && endpoint.kind !== 'health'
        ? browserRequestProblem(request.headers, this.#loopback)
        : undefined;
    if (browser) {
      await consume(request, this.#maxBodyBytes, () => {});
      return { status: 403, body: fieldProblem(403, 'BrowserRequestRefused', [browser]) };
    }
    return this.#dispatch(endpoint, request, target.query);
  }

  async #dispatch(target: Route, request: IncomingMessage, query: URLSearchParams): Promise<Reply> {
    const supervisor = this.#supervisor;
    switch (target.kind) {
      case 'health':
        return { status: 200, body: { status: 'healthy' } };
      case 'getTasks':
        return { status: 200, body: supervisor.list().map(toWireTask) };
      case 'createTask': {
        const task = taskRequestFromWire(parseJsonBody(await this.#body(request)));
        // A repeated create is a conflict, as a Kubernetes create is, not a silent success.
        const { task: record, created } = await supervisor.create(task);
        if (!created) throw new TaskConflictError(task.name, 'AlreadyExists');
        return { status: 201, body: toWireTask(record) };
      }
      case 'setTasks': {
        const desired = desiredTasksFromWire(parseJsonBody(await this.#body(request)));
        return { status: 200, body: (await supervisor.sync(desired)).map(toWireTask) };
      }
      case 'getTask': {
        const record = supervisor.get(validName(target.name));
        return record
          ? { status: 200, body: toWireTask(record) }
          : { status: 404, body: problem(404, 'TaskNotFound', `task "${target.name}" not found`) };
      }
      case 'deleteTask': {
        const uid = query.get('uid') ?? undefined;
        await supervisor.delete(validName(target.name), uid === undefined ? {} : { uid });
        return { status: 204 };
      }
      case 'taskLogs': {
        const name = validName(target.name);
        const stream = logStream(query.get('stream'));
        const limit = logLimit(query.get('limitBytes'));
        const from = logOffset(query.get('offset'));
        const tail = await supervisor.logs(name, stream, limit, from);
        if (!tail) {
          return { status: 404, body: problem(404, 'TaskNotFound', `task "${name}" not found`) };
        }
        return { status: 200, body: { name, stream, ...tail } };
      }
      case 'notFound':
        return { status: 404, body: problem(404, 'NotFound', 'no such endpoint') };
      case 'methodNotAllowed':
        return {
          status: 405,
          body: problem(405, 'MethodNotAllowed', `use ${target.allow.join(' or ')}`),
          headers: { Allow: target.allow.join(', ') },
        };
    }
  }

  /**
   * The request body as text, refused past the size limit. An oversized body is still read
   * (and dropped) up to a bound, so the client receives the 413 rather than a reset.
   */
  async #body(request: IncomingMessage): Promise<string> {
    const limit = this.#maxBodyBytes;
    const chunks: Buffer[] = [];
    const size = await consume(request, limit, (chunk) => chunks.push(chunk));
    if (size > limit) {
      throw new TaskRequestError('RequestTooLarge', [
        { path: 'body', message: `is larger than ${limit} bytes` },
      ]);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #failure(error: unknown): Reply {
    if (error instanceof TaskRequestError) {
      return {
        status: error.statusCode,
        body: fieldProblem(error.statusCode, error.reason, error.issues),
      };
    }
    if (error instanceof ConfigurationError) {
      return { status: 400, body: fieldProblem(400, 'InvalidRequest', error.issues) };
    }
    if (error instanceof TaskConflictError) {
      return {
        status: 409,
        body: {
          ...problem(409, error.reason, error.message),
          field: 'name',
          conflict: error.conflict,
        },
      };
    }
    if (error instanceof TaskLimitError) {
      return {
        status: 429,
        body: { ...problem(429, error.reason, error.message), limit: error.limit },
      };
    }
    const reason = error instanceof TaskStoreError ? error.reason : 'InternalError';
    this.#log.error({ error: describeError(error) }, 'request failed');
    return {
      status: 500,
      body: problem(
        500,
        reason,
        error instanceof TaskStoreError ? error.message : 'internal error',
      ),
    };
  }
}

/** The answer to a request line whose target is neither a path nor an http(s) URL. */
const badTarget: Reply = {
  status: 400,
  body: fieldProblem(400, 'InvalidRequest', [
    { path: 'path', message: 'the request target must be a path such as /tasks/{name}' },
  ]),
};

/** An error for the log; never throws, whatever was thrown. */
function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}

function validName(name: string): string {
  const message = taskNameProblem(name);
  if (message) throw new ConfigurationError({ path: 'name', message });
  return name;
}

function logStream(value: string | null): LogStream {
  if (value === null || value === 'stdout' || value === 'stderr') return value ?? 'stdout';
  throw new ConfigurationError({ path: 'stream', message: 'must be stdout or stderr' });
}

function logLimit(value: string | null): number {
  if (value === null) return defaultLogBytes;
  const limit = Number(value);
  if (/^\d+$/.test(value) && limit >= 1 && limit <= maxLogBytes) return limit;
  throw new ConfigurationError({
    path: 'limitBytes',
    message: `must be a whole number from 1 to ${maxLogBytes}`,
  });
}

/** Where a read of a log starts: a position in the stream, or undefined for its tail. */
function logOffset(value: string | null): number | undefined {
  if (value === null) return undefined;
  const offset = Number(value);
  if (/^\d{1,16}$/.test(value) && Number.isSafeInteger(offset)) return offset;
  throw new ConfigurationError({ path: 'offset', message: 'must be a whole number of bytes' });
}

/**
 * An error body: `code` (the status text) and `message` as the Go agent's ErrorResponse, plus
 * `reason` to branch on and, for bad input, `field` and every `issues` entry.
 */
function problem(status: number, reason: string, message: string) {
  return { code: STATUS_CODES[status] ?? 'Error', reason, message };
}

function fieldProblem(status: number, reason: string, issues: readonly FieldIssue[]) {
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return { ...problem(status, reason, message), field: issues[0]?.path ?? '', issues };
}

function send(response: ServerResponse, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) response.setHeader(name, value);
  if (reply.body === undefined) {
    response.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  response
    .writeHead(reply.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

/**
 * Reads a body, handing `keep` the chunks within `limit`, and returns its size. Past 16 times
 * the limit the connection is cut instead.
 */
async function consume(
  request: IncomingMessage,
  limit: number,
  keep: (chunk: Buffer) => void,
): Promise<number> {
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= limit) keep(chunk as Buffer);
    else if (size > 16 * limit) {
      request.destroy();
      break;
    }
  }
  return size;
}
