/**
 * Whether `reference` (an image or bundle, as written) comes from a source an operator allows.
 * A pattern is `*` (anything), a prefix ending in `/*` (a registry or repository path and what
 * lies below it) or `:*` (every tag of one repository), or an exact reference. The text is
 * compared as written, without normalising: `busybox:1.37` is not `docker.io/library/busybox:1.37`,
 * so an allow-list names references the way authors write them. No pattern allows nothing.
 */
export function isAllowedSource(patterns: readonly string[], reference: string): boolean {
  return patterns.some((pattern) => matchesSource(pattern, reference));
}

function matchesSource(pattern: string, reference: string): boolean {
  if (pattern === '*') return true;
  const prefix = pattern.slice(0, -1);
  if (pattern.endsWith('/*')) return reference.startsWith(prefix);
  // What follows the repository is a tag (and perhaps a digest), never a path: `alpine:*` must
  // not let `alpine:5000/evil/tool` through, an image of the registry at host `alpine`.
  if (pattern.endsWith(':*'))
    return reference.startsWith(prefix) && !reference.slice(prefix.length).includes('/');
  return pattern === reference;
}
