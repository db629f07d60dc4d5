/**
 * Past 350 lines: every request goes through one send-and-retry loop whose answers (success,
 * paging, error bodies, redirects) share the call's description; splitting it would scatter
 * what one request does.
 */
import { type Logger, noopLogger, readBoundedBody, requestRefusal } from '@roundhouse/core';
import { Agent, type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import {
  type AwxClientOptions,
  type AwxClientSettings,
  parseClientOptions,
  parseToken,
} from './awx-client-options.js';
import {
  AwxAnswerTooLargeError,
  AwxApiError,
  AwxError,
  AwxResponseError,
  AwxTimeoutError,
  apiErrorFromBody,
  connectionError,
  errorExcerpt,
} from './awx-errors.js';
import type { AwxRequestOptions } from './awx-roles.js';
import { AwxUpgradingError, isUpgradingPage } from './awx-upgrading.js';
import { abortFailure } from './operation-bound.js';
import { PageBounds } from './page-bounds.js';
import { parseRetryAfter, type RetryMode, type RetryPolicy, withRetries } from './retry.js';
import { pageSchema } from './schemas.js';

/** Query parameters; an undefined value is left out. */
export type Query = Readonly<Record<string, string | number | undefined>>;

/** One request as the transport sends, and may repeat, it; built by `get`, `post`, `delete`. */
export interface Call {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly mode: RetryMode;
  readonly accept?: string | undefined;
  /** JSON text. */
  readonly body?: string | undefined;
  /**
   * Secret values in the body. AWX's messages about `inputs`, and any message quoting one of
   * these values, are left out of the error.
   */
  readonly secrets?: readonly string[] | undefined;
  /** The answers may quote a job's output: an error body that is not JSON is not shown. */
  readonly quotesOutput?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface PostOptions {
  /** `unsent-only` unless given: a POST creates something. */
  readonly mode?: RetryMode | undefined;
  readonly secrets?: readonly string[] | undefined;
}

type Response = Dispatcher.ResponseData;

const pageSize = 200;

/**
 * The most times a list is read from its first page: each read but the last found rows deleted
 * while it was read.
 */
const maxListReads = 3;

/**
 * The most of a 2xx answer read. The largest AWX sends are pages of job events read with
 * `no_truncate`, whose stdout is a playbook's; far beyond any of those, a body is refused
 * rather than held.
 */
const maxAnswerBytes = 64 * 1024 * 1024;

/** The most of an error answer read: DRF's error bodies are short, and a message shows 200 characters. */
const maxErrorBytes = 64 * 1024;

/**
 * Sends requests to AWX's (and the AAP controller's) REST API v2: one keep-alive connection
 * pool, the token on every request and only to the configured origin, a timeout on every
 * request, retries with jittered backoff for failures a repeat can fix, lists read to the end,
 * every answer checked against a schema, and failures as typed errors classified by status or
 * socket code, never carrying the token or a credential input. What the paths mean is the
 * endpoint modules' business.
 */
export class AwxTransport {
  readonly #settings: AwxClientSettings;
  readonly #apiRoot: URL;
  readonly #agent: Agent;
  readonly #policy: RetryPolicy;
  readonly #log: Logger;
  #token: string;
  readonly #renewToken: (() => Promise<string>) | undefined;
  /** One renewal at a time serves every request AWX refused meanwhile. */
  #renewing: Promise<string> | undefined;

  constructor(options: AwxClientOptions) {
    this.#settings = parseClientOptions(options);
    this.#token = this.#settings.token;
    this.#renewToken = options.renewToken;
    this.#log = options.logger ?? noopLogger;
    const base = this.#settings.baseUrl.replace(/\/?$/, '/');
    this.#apiRoot = new URL(this.#settings.apiPrefix.slice(1), base);
    this.#policy = {
      retries: this.#settings.retries,
      minDelayMs: this.#settings.minRetryDelayMs,
      maxDelayMs: this.#settings.maxRetryDelayMs,
      maxRetryAfterMs: this.#settings.maxRetryAfterMs,
    };
    const { caBundle, insecureSkipTlsVerify } = this.#settings;
    if (insecureSkipTlsVerify) {
      this.#log.warn(
        { awx: this.#apiRoot.origin },
        'AWX TLS certificate verification is disabled (insecureSkipTlsVerify): anyone on the ' +
          'network path can read the token and every credential sent to AWX',
      );
    }
    this.#agent = new Agent({
      connect: {
        ...(caBundle ? { ca: caBundle } : {}),
        ...(insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
      },
    });
  }

  /** The API root requests go to, e.g. `https://aap.example.com/api/controller/v2/`. */
  get apiUrl(): string {
    return this.#apiRoot.href;
  }

  /** Closes the connection pool; the transport cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  get(path: string, query: Query, options: AwxRequestOptions, accept?: string): Call {
    return {
      method: 'GET',
      url: this.#url(path, query),
      mode: 'repeatable',
      signal: options.signal,
      ...(accept === undefined ? {} : { accept }),
    };
  }

  post(
    path: string,
    body: string | undefined,
    options: AwxRequestOptions,
    post: PostOptions = {},
  ): Call {
    return {
      method: 'POST',
      url: this.#url(path),
      mode: post.mode ?? 'unsent-only',
      signal: options.signal,
      ...(body === undefined ? {} : { body }),
      ...(post.secrets === undefined ? {} : { secrets: post.secrets }),
    };
  }

  delete(path: string, options: AwxRequestOptions): Call {
    return { method: 'DELETE', url: this.#url(path), mode: 'repeatable', signal: options.signal };
  }

  /** The body of a 2xx answer, checked against `schema`; with `missingIsNull`, `null` on 404. */
  async json<T>(call: Call, schema: z.ZodType<T>): Promise<T>;
  async json<T>(
    call: Call,
    schema: z.ZodType<T>,
    options: { missingIsNull: true },
  ): Promise<T | null>;
  async json<T>(
    call: Call,
    schema: z.ZodType<T>,
    options: { missingIsNull?: boolean | undefined } = {},
  ): Promise<T | null> {
    return this.#send(call, async (response, endpoint) => {
      if (response.statusCode === 404 && options.missingIsNull) {
        await response.body.dump();
        return null;
      }
      if (!isSuccess(response.statusCode)) throw await this.#apiError(endpoint, response, call);
      const { text, cut } = await readBoundedBody(response.body, maxAnswerBytes);
      if (cut) throw new AwxAnswerTooLargeError(endpoint, maxAnswerBytes);
      return parseBody(endpoint, schema, text);
    });
  }

  /** The status of a 2xx answer or of one of `tolerated`; any other status is an AwxApiError. */
  async status(call: Call, tolerated: readonly number[]): Promise<number> {
    return this.#send(call, async (response, endpoint) => {
      const { statusCode } = response;
      if (!isSuccess(statusCode) && !tolerated.includes(statusCode)) {
        throw await this.#apiError(endpoint, response, call);
      }
      await response.body.dump();
      return statusCode;
    });
  }

  /** `read` consumes the body of a 200 as it arrives; a 404 is `missing`. */
  async stream<T>(
    call: Call,
    read: (body: AsyncIterable<Uint8Array>) => Promise<T>,
    missing: T,
  ): Promise<T> {
    return this.#send(call, async (response, endpoint) => {
      if (response.statusCode === 404) {
        await response.body.dump();
        return missing;
      }
      if (response.statusCode !== 200) throw await this.#apiError(endpoint, response, call);
      return read(response.body);
    });
  }

  /** Every item of a list, following `next` to the end, as far as its `count` says it goes. */
  async list<T>(
    path: string,
    query: Query,
    item: z.ZodType<T>,
    options: AwxRequestOptions,
  ): Promise<T[]> {
    let all: T[] = [];
    for await (const { rows, restarted } of this.#pageReads(path, query, item, options)) {
      all = restarted ? [...rows] : [...all, ...rows];
    }
    return all;
  }

  /**
   * A list page by page, so a caller can stop reading once it found what it looks for. A list
   * that shrank under the read is read again from its first page, so rows may come twice.
   */
  async *pages<T>(
    path: string,
    query: Query,
    item: z.ZodType<T>,
    options: AwxRequestOptions,
  ): AsyncGenerator<T[]> {
    for await (const { rows } of this.#pageReads(path, query, item, options)) yield rows;
  }

  /**
   * The pages of a list; `restarted` on the first page of a read begun again. Rows deleted while
   * a list is read move the rows behind them onto pages already read, where the read would miss
   * them, so it begins again when a page counts fewer rows than the first did, and when a page
   * `next` named is gone: AWX answers a page past the end 404 (DRF's PageNumberPagination,
   * "Invalid page."). The first page is never past the end (an empty list has one): its 404 is
   * the list's own. The last read allowed takes a smaller count as it comes.
   */
  async *#pageReads<T>(
    path: string,
    query: Query,
    item: z.ZodType<T>,
    options: AwxRequestOptions,
  ): AsyncGenerator<{ rows: T[]; restarted: boolean }> {
    const schema = pageSchema(item);
    const first = this.#url(path, { ...query, page_size: pageSize });
    for (let reads = 1; ; reads++) {
      // A `next` that leads back, or on past what AWX promised (a buggy proxy, a hostile
      // server), would be followed forever.
      const read = new Set<string>();
      const bounds = new PageBounds(pageSize);
      let url: URL | undefined = first;
      let firstCount: number | undefined;
      let shrunk = false;
      while (url) {
        read.add(url.search);
        const call: Call = { method: 'GET', url, mode: 'repeatable', signal: options.signal };
        const page: z.infer<typeof schema> | null =
          url === first
            ? await this.json(call, schema)
            : await this.json(call, schema, { missingIsNull: true });
        if (page === null) break;
        const wrong = bounds.check(page);
        if (wrong) {
          const endpoint = this.#endpoint(call.method, call.url);
          throw new AwxResponseError(endpoint, wrong.field, wrong.problem);
        }
        firstCount ??= page.count;
        if (page.count < firstCount && reads < maxListReads) {
          shrunk = true;
          break;
        }
        yield { rows: page.results, restarted: url === first && reads > 1 };
        url = page.next === null ? undefined : nextPage(call, page.next);
        if (url && read.has(url.search)) {
          const endpoint = this.#endpoint(call.method, call.url);
          throw new AwxResponseError(endpoint, 'next', 'names a page already read');
        }
      }
      if (url === undefined) return;
      if (!shrunk && reads === maxListReads) {
        throw new AwxResponseError(
          this.#endpoint('GET', url),
          'next',
          `named a page AWX then answered 404 for, in each of ${maxListReads} reads of the list`,
        );
      }
    }
  }

  /** How an error names the call: `GET jobs/?page=2` for a URL below the API root. */
  endpoint(call: Call): string {
    return this.#endpoint(call.method, call.url);
  }

  #url(path: string, query: Query = {}): URL {
    const url = new URL(path, this.#apiRoot);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** `GET jobs/?page=2` for a URL below the API root; the full path otherwise. */
  #endpoint(method: string, url: URL): string {
    const root = this.#apiRoot.pathname;
    const path = url.pathname.startsWith(root) ? url.pathname.slice(root.length) : url.pathname;
    return `${method} ${path}${url.search}`;
  }

  /**
   * Sends a call with retries; `handle` reads the response and throws AwxErrors for failures.
   * A token AWX refuses is renewed once, and the call sent again with a renewed one: AWX
   * authenticates before any view runs, so a refused call did nothing, a launch included.
   */
  async #send<T>(call: Call, handle: (response: Response, endpoint: string) => Promise<T>) {
    const refusedToken = this.#token;
    try {
      return await this.#sendWithRetries(call, handle);
    } catch (error) {
      if (!(error instanceof AwxApiError) || error.statusCode !== 401 || !this.#renewToken)
        throw error;
      if ((await this.#renewedToken(refusedToken)) === refusedToken) throw error;
      return await this.#sendWithRetries(call, handle);
    }
  }

  /** The token after a renewal, for a call `refused` was refused with. */
  async #renewedToken(refused: string): Promise<string> {
    // Another call renewed it since this one was sent.
    if (this.#token !== refused) return this.#token;
    this.#renewing ??= (async () => {
      try {
        // A Secret's value often ends with the newline `echo` wrote.
        this.#token = parseToken(((await this.#renewToken?.()) ?? refused).trim());
        if (this.#token !== refused)
          this.#log.info({}, 'AWX refused its token; using a renewed one');
      } catch (error) {
        // The refusal is what the caller hears; why no other token came, the log says.
        this.#log.warn(
          { reason: (error as { reason?: unknown }).reason },
          `AWX refused its token and renewing it failed: ${(error as Error).message}`,
        );
      } finally {
        this.#renewing = undefined;
      }
      return this.#token;
    })();
    return this.#renewing;
  }

  async #sendWithRetries<T>(
    call: Call,
    handle: (response: Response, endpoint: string) => Promise<T>,
  ) {
    const endpoint = this.#endpoint(call.method, call.url);
    if (call.signal?.aborted) throw abortFailure(call.signal, endpoint, call.url);
    try {
      return await withRetries(
        () => this.#attempt(call, endpoint, handle),
        call.mode,
        this.#policy,
        {
          signal: call.signal,
          onRetry: (error, attempt) =>
            this.#log.debug({ endpoint, attempt, reason: error.reason }, 'retrying AWX request'),
        },
      );
    } catch (error) {
      if (call.signal?.aborted) throw abortFailure(call.signal, endpoint, call.url);
      throw error;
    }
  }

  async #attempt<T>(
    call: Call,
    endpoint: string,
    handle: (response: Response, endpoint: string) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.#settings.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: call.accept ?? 'application/json',
      'user-agent': this.#settings.userAgent,
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const refused = requestRefusal();
    if (refused) throw refused;
    try {
      const response = await request(call.url, {
        method: call.method,
        headers,
        signal,
        dispatcher: this.#agent,
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      return await handle(response, endpoint);
    } catch (error) {
      if (error instanceof AwxError) throw error;
      if (call.signal?.aborted) throw abortFailure(call.signal, endpoint, call.url);
      if (timeout.aborted) throw new AwxTimeoutError(endpoint, this.#settings.timeoutMs);
      throw connectionError(endpoint, error);
    }
  }

  async #apiError(endpoint: string, response: Response, call: Call): Promise<AwxApiError> {
    const target = String(response.headers.location ?? '');
    const location = errorExcerpt(target);
    if (isRedirect(response.statusCode) && location !== undefined) {
      await response.body.dump();
      if (isUpgradingPage(target, call.url))
        return new AwxUpgradingError(endpoint, response.statusCode);
      // A proxy's page says less than where it points: an http URL of an https route, say.
      const why =
        `redirected to ${location}, which the client does not follow (the token goes only to ` +
        "baseUrl's origin): set baseUrl and apiPrefix to where the API is served";
      return new AwxApiError(endpoint, response.statusCode, undefined, [], undefined, why);
    }
    const header = response.headers['retry-after'];
    const { text } = await readBoundedBody(response.body, maxErrorBytes);
    return apiErrorFromBody(endpoint, response.statusCode, text, {
      retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header),
      secrets: call.secrets,
      quotesOutput: call.quotesOutput,
    });
  }
}

/**
 * AWX builds `next` from the path it received (request.get_full_path), which lacks `baseUrl`'s
 * path behind a proxy that serves AWX there and strips it. So only the query of `next` is used,
 * on the path just read; that also keeps the token on `baseUrl`'s origin.
 */
function nextPage(call: Call, next: string): URL {
  const url = new URL(call.url);
  url.search = new URL(next, call.url).search;
  return url;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

function parseBody<T>(endpoint: string, schema: z.ZodType<T>, text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AwxResponseError(endpoint, '', 'not JSON');
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  throw new AwxResponseError(endpoint, issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
}
