import diagnosticsChannel from 'node:diagnostics_channel';

/** The labels client-go gives `rest_client_requests_total`. */
export interface RestClientRequest {
  /** The HTTP status code, or `<error>` when no response came, as client-go writes it. */
  readonly code: string;
  readonly method: string;
  /** `host:port` of the server (the port omitted when it is the scheme's default). */
  readonly host: string;
}

interface UndiciRequest {
  readonly origin?: unknown;
  readonly method?: unknown;
}

/**
 * Calls `onRequest` once for every HTTP request an undici client in this process makes (the
 * `undici` package `KubeClient` uses, and Node's own `fetch`), when its response headers
 * arrive or it fails without a response. It listens on undici's diagnostics channels, so no
 * client has to be wrapped or changed. `hosts` keeps only requests to these `host:port`s (the
 * API server's, so an AWX client in the same process is not counted as a Kubernetes client).
 * Returns the function that stops listening.
 */
export function observeRestClientRequests(
  onRequest: (request: RestClientRequest) => void,
  options: { readonly hosts?: readonly string[] | undefined } = {},
): () => void {
  const hosts = options.hosts ? new Set(options.hosts) : undefined;
  // Requests seen created and not yet counted: a failure after the headers must not count twice.
  const pending = new WeakMap<object, { method: string; host: string }>();
  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    const host = hostOf(request.origin);
    if (host === undefined || (hosts && !hosts.has(host))) return;
    pending.set(request, { method: String(request.method ?? 'GET'), host });
  };
  const finish = (request: object, code: string) => {
    const seen = pending.get(request);
    if (!seen) return;
    pending.delete(request);
    onRequest({ code, ...seen });
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    finish(request, String(response.statusCode));
  };
  const onError = (message: unknown) => {
    finish((message as { request: object }).request, '<error>');
  };
  const channels = [
    ['undici:request:create', onCreate],
    ['undici:request:headers', onHeaders],
    ['undici:request:error', onError],
  ] as const;
  for (const [name, listener] of channels) diagnosticsChannel.subscribe(name, listener);
  return () => {
    for (const [name, listener] of channels) diagnosticsChannel.unsubscribe(name, listener);
  };
}

function hostOf(origin: unknown): string | undefined {
  try {
    return new URL(String(origin)).host;
  } catch {
    return undefined;
  }
}
