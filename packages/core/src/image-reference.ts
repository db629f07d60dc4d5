/**
 * An OCI reference pinned to `digest` (`repo:tag@sha256:...`), replacing a digest the reference
 * already carries; unchanged without a digest. Job images and Tekton bundles share this rule.
 */
export function pinnedReference(reference: string, digest: string | undefined): string {
  if (!digest) return reference;
  const at = reference.indexOf('@');
  return `${at === -1 ? reference : reference.slice(0, at)}@${digest}`;
}
