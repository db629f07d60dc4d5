/** An object's workqueue key: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(obj: {
  metadata?: { namespace?: string | undefined; name?: string | undefined } | undefined;
}): string {
  const namespace = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of `objectKey`; object names never contain `/`, so the first one splits. */
export function splitKey(key: string): { namespace?: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
