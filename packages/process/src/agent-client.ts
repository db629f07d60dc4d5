import {
  AbortedError,
  ConfigurationError,
  readBoundedBody,
  requestRefusal,
  toFieldIssues,
} from '@roundhouse/core';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { maxAnswerMiB, maxErrorBytes } from './agent-answer-limits.js';
import {
  TaskExecutorApiError,
  TaskExecutorConnectionError,
  TaskExecutorResponseError,
  TaskExecutorTimeoutError,
} from './agent-client-errors.js';
import type { LogStream, LogTail } from './log-tail.js';
import type { TaskRequest } from './process-spec.js';
import { type WireTask, WireTaskSchema } from './wire-task.js';

export interface TaskExecutorClientOptions {
  /** The agent's base URL, e.g. `http://10.0.3.7:5758`; credentials go in `token`, not here. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; never logged or put in an error. */
  readonly token?: string | undefined;
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number | undefined;
  /** An undici dispatcher (connection pool, proxy, mock); default undici's global one. */
  readonly dispatcher?: Dispatcher | undefined;
}

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
}

const ErrorBodySchema = z.looseObject({
  reason: z.string().optional(),
  message: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const LogTailSchema = z.object({
  content: z.string(),
  size: z.number(),
  truncated: z.boolean(),
  // Absent from an agent before positions were served.
  offset: z.number().optional(),
  end: z.number().optional(),
});

/** A read of a task's log, and where its content lies in the stream when the agent says. */
export type AgentLogRead = LogTail & {
  readonly offset?: number | undefined;
  readonly end?: number | undefined;
};

/**
 * A controller's client for a task-executor agent (roundhouse-task-executor, or OpenSandbox's
 * for the endpoints it has). Requests are sent in the flat shape both agents read; answers in
 * either shape are accepted. Every failure is a classified error value.
 */
export class TaskExecutorClient {
  readonly #base: URL;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;

  /**
   * Throws ConfigurationError for a base URL that is not absolute, or that carries a user name,
   * a password, a query or a fragment. None of those would be sent (requests resolve their path
   * against the base), and `baseUrl` is quoted where an engine reports the agent unavailable,
   * which whoever may read an execution's status reads too; so no message repeats the URL.
   */
  constructor(options: TaskExecutorClientOptions) {
    const base = URL.parse(options.baseUrl);
    if (!base) {
      throw new ConfigurationError({
        path: 'baseUrl',
        message: 'is not an absolute URL: give the agent as http://host:port',
      });
    }
    if (base.username || base.password) {
      throw new ConfigurationError({
        path: 'baseUrl',
        message: 'must not carry a user name or password: give the bearer token as token',
      });
    }
    if (base.search || base.hash) {
      throw new ConfigurationError({
        path: 'baseUrl',
        message: 'must not carry a query or fragment: give the bearer token as token',
      });
    }
    base.pathname = base.pathname.replace(/\/?$/, '/');
    this.#base = base;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#dispatcher = options.dispatcher;
  }

  get baseUrl(): string {
    return this.#base.href;
  }

  /** Resolves when the agent answers `GET /health` with `{"status":"healthy"}`. */
  async health(options: RequestOptions = {}): Promise<void> {
    const body = await this.#call('GET', 'health', undefined, [200], options);
    const parsed = z.object({ status: z.literal('healthy') }).safeParse(body.json);
    if (!parsed.success)
      throw new TaskExecutorResponseError('GET /health', 'status is not healthy');
  }

  /**
   * Creates a task and returns it as created. A name that exists, even with this very spec,
   * is a TaskExecutorApiError with status 409: read the task to see whose it is.
   */
  async createTask(task: TaskRequest, options: RequestOptions = {}): Promise<WireTask> {
    const reply = await this.#call('POST', 'tasks', task, [201], options);
    return this.#task('POST /tasks', reply.json);
  }

  /** The task, or null when the agent has none of that name. */
  async getTask(name: string, options: RequestOptions = {}): Promise<WireTask | null> {
    const path = `tasks/${encodeURIComponent(name)}`;
    const reply = await this.#call('GET', path, undefined, [200, 404], options);
    return reply.status === 404 ? null : this.#task(`GET /${path}`, reply.json);
  }

  /** Stops and removes a task; with `uid`, only the task with that uid (409 otherwise). */
  async deleteTask(
    name: string,
    options: RequestOptions & { uid?: string | undefined } = {},
  ): Promise<void> {
    const query = options.uid ? `?uid=${encodeURIComponent(options.uid)}` : '';
    await this.#call(
      'DELETE',
      `tasks/${encodeURIComponent(name)}${query}`,
      undefined,
      [204],
      options,
    );
  }

  /** Makes the agent's task set `tasks` by name; returns every task afterwards. */
  async setTasks(tasks: readonly TaskRequest[], options: RequestOptions = {}): Promise<WireTask[]> {
    const reply = await this.#call('POST', 'setTasks', tasks, [200], options);
    return this.#tasks('POST /setTasks', reply.json);
  }

  async listTasks(options: RequestOptions = {}): Promise<WireTask[]> {
    const reply = await this.#call('GET', 'getTasks', undefined, [200], options);
    return this.#tasks('GET /getTasks', reply.json);
  }

  /**
   * The tail of a task's stdout or stderr, or with `offset` up to `limitBytes` from that
   * position in the stream on (roundhouse-task-executor only); null when unknown.
   */
  async logs(
    name: string,
    options: RequestOptions & {
      stream?: LogStream | undefined;
      limitBytes?: number | undefined;
      offset?: number | undefined;
    } = {},
  ): Promise<AgentLogRead | null> {
    const query = new URLSearchParams({ stream: options.stream ?? 'stdout' });
    if (options.limitBytes !== undefined) query.set('limitBytes', String(options.limitBytes));
    if (options.offset !== undefined) query.set('offset', String(options.offset));
    const path = `tasks/${encodeURIComponent(name)}/logs?${query}`;
    const reply = await this.#call('GET', path, undefined, [200, 404], options);
    if (reply.status === 404) return null;
    const parsed = LogTailSchema.safeParse(reply.json);
    if (!parsed.success) throw new TaskExecutorResponseError(`GET /${path}`, parsed.error.message);
    return parsed.data;
  }

  #task(endpoint: string, json: unknown): WireTask {
    const parsed = WireTaskSchema.safeParse(json);
    if (!parsed.success) throw new TaskExecutorResponseError(endpoint, describe(parsed.error));
    return parsed.data;
  }

  #tasks(endpoint: string, json: unknown): WireTask[] {
    const parsed = z.array(WireTaskSchema).safeParse(json);
    if (!parsed.success) throw new TaskExecutorResponseError(endpoint, describe(parsed.error));
    return parsed.data;
  }

  async #call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
    expected: readonly number[],
    options: RequestOptions,
  ): Promise<{ status: number; json: unknown }> {
    const endpoint = `${method} /${path.split('?')[0]}`;
    if (options.signal?.aborted) throw new AbortedError(endpoint, { cause: options.signal.reason });
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const refused = requestRefusal();
    if (refused) throw refused;
    let response: Dispatcher.ResponseData;
    let text: string;
    let cut: boolean;
    try {
      response = await request(new URL(path, this.#base), {
        method,
        signal,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
      const limit = expected.includes(response.statusCode)
        ? maxAnswerMiB * 1024 * 1024
        : maxErrorBytes;
      ({ text, cut } = await readBoundedBody(response.body, limit));
    } catch (error) {
      if (options.signal?.aborted)
        throw new AbortedError(endpoint, { cause: options.signal.reason });
      if (timeout.aborted) throw new TaskExecutorTimeoutError(endpoint, this.#timeoutMs);
      throw new TaskExecutorConnectionError(endpoint, error);
    }
    if (cut && expected.includes(response.statusCode)) {
      throw new TaskExecutorResponseError(endpoint, `larger than ${maxAnswerMiB} MiB`);
    }
    const json = parseJson(text);
    if (!expected.includes(response.statusCode)) {
      const error = ErrorBodySchema.safeParse(json);
      const detail = error.success ? error.data : {};
      throw new TaskExecutorApiError(
        endpoint,
        response.statusCode,
        detail.reason,
        detail.issues ?? [],
        detail.message,
      );
    }
    return { status: response.statusCode, json };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: z.ZodError): string {
  return toFieldIssues(error)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
