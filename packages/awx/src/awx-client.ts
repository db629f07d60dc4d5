import {
  AbortedError,
  type FieldIssue,
  type Logger,
  noopLogger,
  throwIfAborted,
} from '@roundhouse/core';
import { Agent, type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import {
  type AwxClientOptions,
  type AwxClientSettings,
  parseClientOptions,
} from './awx-client-options.js';
import {
  AwxApiError,
  AwxError,
  AwxLookupError,
  AwxResponseError,
  AwxTimeoutError,
  connectionError,
} from './awx-errors.js';
import { type ExtraVars, serializeExtraVars } from './extra-vars.js';
import { parseRetryAfter, type RetryMode, type RetryPolicy, withRetries } from './retry.js';
import {
  type Credential,
  type CredentialRequest,
  CredentialSchema,
  type CredentialType,
  type CredentialTypeRequest,
  CredentialTypeSchema,
  ErrorBodySchema,
  type Job,
  JobRowSchema,
  JobSchema,
  type JobTemplate,
  JobTemplateSchema,
  type LaunchResult,
  LaunchResultSchema,
  MeSchema,
  type Organization,
  OrganizationSchema,
  pageSchema,
} from './schemas.js';

export interface AwxRequestOptions {
  readonly signal?: AbortSignal | undefined;
}

/** What `cancelJob` found: AWX accepted the request, the job had already finished, or it is gone. */
export type CancelOutcome = 'requested' | 'finished' | 'absent';

export interface LaunchRequest {
  /** Sent as a JSON object; 64-bit integers keep every digit. */
  readonly extraVars: ExtraVars;
  /** Credential ids for the job; omitted when undefined, so the template's apply unchanged. */
  readonly credentials?: readonly number[] | undefined;
}

export interface CredentialFilter {
  readonly name?: string | undefined;
  readonly nameStartsWith?: string | undefined;
  readonly organization?: number | undefined;
}

export interface JobQuery {
  readonly jobTemplate: number;
  /** Only jobs AWX created after this instant (AWX's clock). */
  readonly createdAfter: Date;
}

type Query = Readonly<Record<string, string | number | undefined>>;

interface Call {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly mode: RetryMode;
  readonly accept?: string;
  /** JSON text. */
  readonly body?: string;
  /**
   * Secret values in the body. AWX's messages about `inputs`, and any message quoting one of
   * these values, are left out of the error.
   */
  readonly secrets?: readonly string[];
  readonly signal?: AbortSignal | undefined;
}

type Response = Dispatcher.ResponseData;

const pageSize = 200;
const withheld = '(message withheld: it may quote a secret value)';

/**
 * A client for AWX's (and the AAP controller's) REST API v2: one keep-alive connection pool,
 * a timeout on every request, retries with jittered backoff for failures a repeat can fix,
 * every answer checked against a schema, lists read to the end, and typed errors that never
 * carry the token or a credential input.
 */
export class AwxClient {
  readonly #settings: AwxClientSettings;
  readonly #apiRoot: URL;
  readonly #agent: Agent;
  readonly #policy: RetryPolicy;
  readonly #log: Logger;

  constructor(options: AwxClientOptions) {
    this.#settings = parseClientOptions(options);
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

  /** Closes the connection pool; the client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** The user the token authenticates as. */
  async me(options: AwxRequestOptions = {}): Promise<{ id: number; username: string }> {
    const page = await this.#json(this.#get('me/', {}, options), MeSchema);
    const user = page.results[0];
    if (!user) throw new AwxResponseError('GET me/', 'results', 'no user for this token');
    return user;
  }

  /** The organization with this exact name (unique in AWX), e.g. to configure the executor. */
  async findOrganization(name: string, options: AwxRequestOptions = {}): Promise<Organization> {
    const found = await this.#list('organizations/', { name }, OrganizationSchema, options);
    const [organization] = found;
    if (found.length !== 1 || !organization) {
      throw new AwxLookupError(
        'GET organizations/',
        'organization',
        name,
        found.map((o) => o.id),
      );
    }
    return organization;
  }

  /** The one job template with this exact name; AwxLookupError when there are none or several. */
  async findJobTemplate(name: string, options: AwxRequestOptions = {}): Promise<JobTemplate> {
    const templates = await this.#list('job_templates/', { name }, JobTemplateSchema, options);
    const [template] = templates;
    if (templates.length !== 1 || !template) {
      throw new AwxLookupError(
        'GET job_templates/',
        'job template',
        name,
        templates.map((t) => t.id),
      );
    }
    return template;
  }

  /** The template's own credentials, every page. */
  async templateCredentials(
    templateId: number,
    options: AwxRequestOptions = {},
  ): Promise<Credential[]> {
    return this.#list(`job_templates/${templateId}/credentials/`, {}, CredentialSchema, options);
  }

  /**
   * Launches a job template. Repeated only when AWX cannot have acted on the failed attempt;
   * after an ambiguous failure (`AwxError.ambiguous`) the caller must look for the job before
   * launching again.
   */
  async launch(
    templateId: number,
    launch: LaunchRequest,
    options: AwxRequestOptions = {},
  ): Promise<LaunchResult> {
    // serializeExtraVars writes int64 values digit for digit, which JSON.stringify cannot.
    const credentials = launch.credentials
      ? `"credentials":${JSON.stringify(launch.credentials)},`
      : '';
    const body = `{${credentials}"extra_vars":${serializeExtraVars(launch.extraVars)}}`;
    const url = this.#url(`job_templates/${templateId}/launch/`);
    return this.#json(
      { method: 'POST', url, body, mode: 'unsent-only', signal: options.signal },
      LaunchResultSchema,
    );
  }

  /** The job, or `null` when AWX has no job with this id. */
  async getJob(id: number, options: AwxRequestOptions = {}): Promise<Job | null> {
    return this.#json(this.#get(`jobs/${id}/`, {}, options), JobSchema, { missingIsNull: true });
  }

  /**
   * The newest job of a template created after `createdAfter` that `matches` accepts, or
   * `null`. AWX refuses to filter on `extra_vars`, so candidates are read page by page, newest
   * first, and tested here.
   */
  async findJob(
    query: JobQuery,
    matches: (job: Job) => boolean,
    options: AwxRequestOptions = {},
  ): Promise<Job | null> {
    const filter = {
      job_template: query.jobTemplate,
      created__gt: query.createdAfter.toISOString(),
      order_by: '-created',
    };
    // Newest first: a job created while we page pushes rows down, so a row may be seen twice
    // but none is skipped.
    for await (const rows of this.#pages('jobs/', filter, JobRowSchema, options)) {
      for (const row of rows) {
        const extraVars = row.extra_vars;
        const job =
          extraVars === undefined
            ? await this.getJob(row.id, options)
            : { ...row, extra_vars: extraVars };
        if (job && matches(job)) return job;
      }
    }
    return null;
  }

  /**
   * The last `maxBytes` bytes of the job's plain-text output (`stdout/?format=txt`), read as a
   * stream so a long transcript never sits in memory; `''` when the job is gone.
   */
  async jobStdoutTail(
    id: number,
    maxBytes: number,
    options: AwxRequestOptions = {},
  ): Promise<string> {
    const call = {
      ...this.#get(`jobs/${id}/stdout/`, { format: 'txt' }, options),
      accept: 'text/plain',
    };
    return this.#send(call, async (response, endpoint) => {
      if (response.statusCode === 404) {
        await response.body.dump();
        return '';
      }
      if (response.statusCode !== 200) throw await this.#apiError(endpoint, response, call);
      return readTail(response.body, maxBytes);
    });
  }

  /** Asks AWX to cancel the job; a finished job (AWX answers 405) is `finished`, not an error. */
  async cancelJob(id: number, options: AwxRequestOptions = {}): Promise<CancelOutcome> {
    const call: Call = {
      method: 'POST',
      url: this.#url(`jobs/${id}/cancel/`),
      mode: 'repeatable',
      signal: options.signal,
    };
    return this.#send(call, async (response, endpoint): Promise<CancelOutcome> => {
      const { statusCode } = response;
      if (statusCode !== 404 && statusCode !== 405 && !isSuccess(statusCode)) {
        throw await this.#apiError(endpoint, response, call);
      }
      await response.body.dump();
      return statusCode === 405 ? 'finished' : statusCode === 404 ? 'absent' : 'requested';
    });
  }

  /** Credential types matching every given filter, every page. */
  async listCredentialTypes(
    filter: { readonly name?: string; readonly kind?: string },
    options: AwxRequestOptions = {},
  ): Promise<CredentialType[]> {
    return this.#list('credential_types/', filter, CredentialTypeSchema, options);
  }

  /** The credential type with this name and kind (unique in AWX), or `null`. */
  async findCredentialType(
    name: string,
    kind: string,
    options: AwxRequestOptions = {},
  ): Promise<CredentialType | null> {
    const types = await this.listCredentialTypes({ name, kind }, options);
    if (types.length > 1) {
      throw new AwxLookupError(
        'GET credential_types/',
        'credential type',
        name,
        types.map((t) => t.id),
      );
    }
    return types[0] ?? null;
  }

  async createCredentialType(
    type: CredentialTypeRequest,
    options: AwxRequestOptions = {},
  ): Promise<CredentialType> {
    return this.#json(this.#post('credential_types/', type, options), CredentialTypeSchema);
  }

  /** Credentials matching every given filter, every page; never their inputs. */
  async listCredentials(
    filter: CredentialFilter,
    options: AwxRequestOptions = {},
  ): Promise<Credential[]> {
    const query = {
      name: filter.name,
      name__startswith: filter.nameStartsWith,
      organization: filter.organization,
    };
    return this.#list('credentials/', query, CredentialSchema, options);
  }

  /** Creates a credential; an error never repeats what AWX said about its inputs. */
  async createCredential(
    credential: CredentialRequest,
    options: AwxRequestOptions = {},
  ): Promise<Credential> {
    const secrets = Object.values(credential.inputs);
    const call = { ...this.#post('credentials/', credential, options), secrets };
    return this.#json(call, CredentialSchema);
  }

  /** Deletes a credential; `false` when it was already gone. */
  async deleteCredential(id: number, options: AwxRequestOptions = {}): Promise<boolean> {
    const call: Call = {
      method: 'DELETE',
      url: this.#url(`credentials/${id}/`),
      mode: 'repeatable',
      signal: options.signal,
    };
    return this.#send(call, async (response, endpoint) => {
      if (response.statusCode !== 404 && !isSuccess(response.statusCode)) {
        throw await this.#apiError(endpoint, response, call);
      }
      await response.body.dump();
      return response.statusCode !== 404;
    });
  }

  #url(path: string, query: Query = {}): URL {
    const url = new URL(path, this.#apiRoot);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  #get(path: string, query: Query, options: AwxRequestOptions): Call {
    return {
      method: 'GET',
      url: this.#url(path, query),
      mode: 'repeatable',
      signal: options.signal,
    };
  }

  #post(path: string, body: unknown, options: AwxRequestOptions): Call {
    return {
      method: 'POST',
      url: this.#url(path),
      body: JSON.stringify(body),
      mode: 'unsent-only',
      signal: options.signal,
    };
  }

  /** `GET jobs/?page=2` for a URL below the API root; the full path otherwise. */
  #endpoint(method: string, url: URL): string {
    const root = this.#apiRoot.pathname;
    const path = url.pathname.startsWith(root) ? url.pathname.slice(root.length) : url.pathname;
    return `${method} ${path}${url.search}`;
  }

  async #list<T>(path: string, query: Query, item: z.ZodType<T>, options: AwxRequestOptions) {
    const all: T[] = [];
    for await (const rows of this.#pages(path, query, item, options)) all.push(...rows);
    return all;
  }

  async *#pages<T>(
    path: string,
    query: Query,
    item: z.ZodType<T>,
    options: AwxRequestOptions,
  ): AsyncGenerator<T[]> {
    const schema = pageSchema(item);
    let url: URL | undefined = this.#url(path, { ...query, page_size: pageSize });
    while (url) {
      const call: Call = { method: 'GET', url, mode: 'repeatable', signal: options.signal };
      const page = await this.#json(call, schema);
      yield page.results;
      url = page.next === null ? undefined : this.#nextPage(call, page.next);
    }
  }

  /** AWX's `next` is relative; one that leads elsewhere would be sent the token, so it is refused. */
  #nextPage(call: Call, next: string): URL {
    const url = new URL(next, this.#apiRoot);
    if (url.origin !== this.#apiRoot.origin) {
      throw new AwxResponseError(
        this.#endpoint(call.method, call.url),
        'next',
        `points to another server (${url.origin}); the token is only sent to ${this.#apiRoot.origin}`,
      );
    }
    return url;
  }

  async #json<T>(call: Call, schema: z.ZodType<T>): Promise<T>;
  async #json<T>(
    call: Call,
    schema: z.ZodType<T>,
    options: { missingIsNull: true },
  ): Promise<T | null>;
  async #json<T>(
    call: Call,
    schema: z.ZodType<T>,
    options: { missingIsNull?: boolean } = {},
  ): Promise<T | null> {
    return this.#send(call, async (response, endpoint) => {
      if (response.statusCode === 404 && options.missingIsNull) {
        await response.body.dump();
        return null;
      }
      if (!isSuccess(response.statusCode)) throw await this.#apiError(endpoint, response, call);
      return parseBody(endpoint, schema, await response.body.text());
    });
  }

  /** Sends a call with retries; `handle` reads the response and throws AwxErrors for failures. */
  async #send<T>(call: Call, handle: (response: Response, endpoint: string) => Promise<T>) {
    const endpoint = this.#endpoint(call.method, call.url);
    throwIfAborted(call.signal, `AWX ${endpoint}`);
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
      if (call.signal?.aborted)
        throw new AbortedError(`AWX ${endpoint}`, { cause: call.signal.reason });
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
      authorization: `Bearer ${this.#settings.token}`,
      accept: call.accept ?? 'application/json',
      'user-agent': this.#settings.userAgent,
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
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
      if (call.signal?.aborted)
        throw new AbortedError(`AWX ${endpoint}`, { cause: call.signal.reason });
      if (timeout.aborted) throw new AwxTimeoutError(endpoint, this.#settings.timeoutMs);
      throw connectionError(endpoint, error);
    }
  }

  async #apiError(endpoint: string, response: Response, call: Call): Promise<AwxApiError> {
    const { detail, fields } = describeErrorBody(await response.body.text());
    const header = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header);
    const secrets = (call.secrets ?? []).filter((value) => value !== '');
    const quotes = (message: string) => secrets.some((value) => message.includes(value));
    return new AwxApiError(
      endpoint,
      response.statusCode,
      detail !== undefined && quotes(detail) ? withheld : detail,
      fields.map((f) =>
        call.secrets && (f.path === 'inputs' || f.path.startsWith('inputs.') || quotes(f.message))
          ? { path: f.path, message: withheld }
          : f,
      ),
      retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
    );
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
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

/** DRF's error bodies: `{"detail": "..."}`, or messages keyed by field, possibly nested. */
function describeErrorBody(text: string): { detail?: string; fields: FieldIssue[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { fields: [] };
  }
  const body = ErrorBodySchema.safeParse(value);
  if (!body.success) return { fields: [] };
  const { detail, ...rest } = body.data;
  const fields = fieldIssues(typeof detail === 'string' ? rest : body.data, '');
  return typeof detail === 'string' ? { detail, fields } : { fields };
}

function fieldIssues(value: unknown, path: string): FieldIssue[] {
  if (typeof value === 'string') return [{ path, message: value }];
  if (Array.isArray(value)) return value.flatMap((item) => fieldIssues(item, path));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      fieldIssues(item, path ? `${path}.${key}` : key),
    );
  }
  return [];
}

/** The last `maxBytes` of a byte stream, decoded as UTF-8 from the first whole character. */
async function readTail(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    chunks.push(buffer);
    held += buffer.length;
    while (chunks.length > 1 && held - (chunks[0]?.length ?? 0) >= maxBytes) {
      held -= chunks.shift()?.length ?? 0;
    }
  }
  const all = Buffer.concat(chunks);
  let start = Math.max(0, all.length - maxBytes);
  // Skip UTF-8 continuation bytes a cut left at the start.
  while (start < all.length && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
  return all.subarray(start).toString('utf8');
}
