import type { EventBatchWriter } from '@roundhouse/controller';
import { classifyTransportError, RoundhouseError } from '@roundhouse/core';
import { type Dispatcher, fetch } from 'undici';

/** The events service did not take a batch. `retryable` says whether sending it again may work. */
export class EventDeliveryError extends RoundhouseError {
  readonly reason: 'EventServiceUnreachable' | 'EventServiceUnavailable' | 'EventsRejected';
  override readonly retryable: boolean;

  constructor(
    reason: EventDeliveryError['reason'],
    message: string,
    readonly statusCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = reason;
    this.retryable = reason !== 'EventsRejected';
  }
}

export interface HttpEventWriterOptions {
  /** Added to every request, e.g. `authorization`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Per request. Default 10 s. */
  readonly timeoutMs?: number | undefined;
  /** An undici dispatcher (proxy, TLS settings, connection limits). */
  readonly dispatcher?: Dispatcher | undefined;
}

/**
 * POSTs each batch as `{"events": [...]}` to an events service. A batch counts as recorded only
 * on a 2xx answer. Each event carries its `id`; the service must store an id once (Flyte's
 * events service inserts with ON CONFLICT DO NOTHING), because the controller sends an event
 * again whenever it could not write the status after it.
 */
export class HttpEventWriter<E> implements EventBatchWriter<E> {
  /** Without its user and password: fetch refuses a URL that holds them. */
  readonly #url: string;
  /**
   * The service as errors name it: no user, password, query or fragment, where a credential may
   * be, since errors end up in logs.
   */
  readonly #name: string;
  readonly #options: HttpEventWriterOptions;
  /** The URL's user and password as Basic authorization, which a header given replaces. */
  readonly #headers: Readonly<Record<string, string>>;

  constructor(url: string | URL, options: HttpEventWriterOptions = {}) {
    const parsed = new URL(String(url));
    const basic = basicAuthorization(parsed);
    parsed.username = '';
    parsed.password = '';
    this.#url = parsed.href;
    this.#name = `${parsed.origin}${parsed.pathname}`;
    this.#options = options;
    const given = Object.keys(options.headers ?? {}).some(
      (name) => name.toLowerCase() === 'authorization',
    );
    this.#headers = { ...(basic && !given ? { authorization: basic } : {}), ...options.headers };
  }

  async write(events: readonly E[]): Promise<void> {
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
        ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
      });
    } catch (error) {
      const failure = classifyTransportError(error);
      throw new EventDeliveryError(
        'EventServiceUnreachable',
        `POST ${this.#name}: no answer (${failure.kind}, ${failure.code})`,
        undefined,
        { cause: error },
      );
    }
    // Read the body in full so the connection goes back to the pool.
    const text = await response.text();
    if (response.ok) return;
    const status = response.status;
    const retryable = status >= 500 || status === 408 || status === 429;
    throw new EventDeliveryError(
      retryable ? 'EventServiceUnavailable' : 'EventsRejected',
      `POST ${this.#name}: HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      status,
    );
  }
}

/**
 * `Basic` authorization with the user and password `url` holds (percent-decoded, as curl sends
 * them), or undefined when it holds none.
 */
function basicAuthorization(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const credentials = Buffer.concat([
    percentDecoded(url.username),
    Buffer.from(':'),
    percentDecoded(url.password),
  ]);
  return `Basic ${credentials.toString('base64')}`;
}

/**
 * The bytes curl sends for a URL's user or password (Curl_urldecode): a `%` and two hex digits
 * is that byte, whether or not the bytes are UTF-8; any other `%` is sent as it is, where
 * decodeURIComponent throws, so a password such as `50%off` works as it does with curl.
 */
function percentDecoded(text: string): Buffer {
  return Buffer.concat(
    text
      .split(/(%[0-9A-Fa-f]{2})/)
      .map((part) =>
        /^%[0-9A-Fa-f]{2}$/.test(part)
          ? Buffer.from([Number.parseInt(part.slice(1), 16)])
          : Buffer.from(part),
      ),
  );
}
