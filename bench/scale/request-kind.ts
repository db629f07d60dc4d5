/**
 * A request's verb and resource as the API server's audit log names them (`patch`,
 * `workflowexecutions/status`), from its method and path, so the round trip a controller saw
 * can stand beside the time the server took over the same kind of request. Undefined for a
 * watch, which has no round trip, and for a path that names no resource (discovery).
 */
export function requestKind(
  method: string,
  path: string,
): { readonly verb: string; readonly resource: string } | undefined {
  const [pathname = '', query = ''] = path.split('?');
  if (goTrue.has(new URLSearchParams(query).get('watch') ?? '')) return undefined;
  const segments = pathname.split('/').filter((s) => s !== '');
  // /api/v1/... or /apis/<group>/<version>/...
  const rest =
    segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : [];
  const scoped = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const [resource, name, subresource] = scoped;
  if (!resource) return undefined;
  const verb = verbs[method.toUpperCase()];
  if (!verb) return undefined;
  return {
    verb: verb === 'get' && name === undefined ? 'list' : verb,
    resource: subresource ? `${resource}/${subresource}` : resource,
  };
}

/** What the API server's `watch` parameter takes for true (Go's `strconv.ParseBool`). */
const goTrue = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

const verbs: Readonly<Record<string, string>> = {
  GET: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};
