/** The agent's endpoints. `name` is the decoded `{name}` path segment, not yet validated. */
export type Route =
  | { readonly kind: 'health' }
  | { readonly kind: 'createTask' }
  | { readonly kind: 'getTask'; readonly name: string }
  | { readonly kind: 'deleteTask'; readonly name: string }
  | { readonly kind: 'taskLogs'; readonly name: string }
  | { readonly kind: 'setTasks' }
  | { readonly kind: 'getTasks' }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] };

/**
 * Matches a request to an endpoint by method and path (query already removed). A `{name}`
 * segment is percent-decoded, so `..%2Fx` arrives as `../x` and is refused by name validation
 * rather than by accident of routing.
 */
export function route(method: string, path: string): Route {
  const segments = path.split('/').slice(1);
  const [first, second, third, ...rest] = segments;
  const fixed: Readonly<Record<string, Readonly<Record<string, Route>>>> = {
    '/health': { GET: { kind: 'health' } },
    '/tasks': { POST: { kind: 'createTask' } },
    '/setTasks': { POST: { kind: 'setTasks' } },
    '/getTasks': { GET: { kind: 'getTasks' } },
  };
  const endpoint = fixed[path];
  if (endpoint)
    return endpoint[method] ?? { kind: 'methodNotAllowed', allow: Object.keys(endpoint) };
  if (first !== 'tasks' || second === undefined || second === '' || rest.length > 0) {
    return { kind: 'notFound' };
  }
  const name = decode(second);
  if (name === undefined) return { kind: 'notFound' };
  if (third === undefined) {
    if (method === 'GET') return { kind: 'getTask', name };
    if (method === 'DELETE') return { kind: 'deleteTask', name };
    return { kind: 'methodNotAllowed', allow: ['GET', 'DELETE'] };
  }
  if (third !== 'logs') return { kind: 'notFound' };
  return method === 'GET'
    ? { kind: 'taskLogs', name }
    : { kind: 'methodNotAllowed', allow: ['GET'] };
}

/** Where a request goes: its path as sent, and its query. */
export interface RequestTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * The path and query of a request line's target, or undefined when it is neither a path
 * (`/tasks/x?uid=...`, the origin form clients send) nor an http(s) URL (the absolute form a
 * proxy sends). The path is taken as sent, never resolved against a base: `//x:99999` is a
 * path that matches no endpoint, not a host with a bad port, and no target can make parsing
 * throw.
 */
export function requestTarget(target: string): RequestTarget | undefined {
  if (target.startsWith('/')) {
    const mark = target.indexOf('?');
    if (mark === -1) return { path: target, query: new URLSearchParams() };
    return { path: target.slice(0, mark), query: new URLSearchParams(target.slice(mark + 1)) };
  }
  const url = URL.parse(target);
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') return undefined;
  return { path: url.pathname, query: url.searchParams };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
