/**
 * The grammars WorkflowExecution fields must follow, each written once as an RE2-compatible
 * pattern source: the zod schemas use them, and the CRD generated from those schemas carries
 * the same patterns, so the API server refuses at create what the controller would refuse
 * later. Every pattern admits printable ASCII only: no control characters (NUL included), no
 * bidirectional overrides or other invisible characters can pass.
 */

import { digestHexDigits, digestProblem } from './image-reference.js';

/** A namespace name: DNS-1123 label. */
const namespace = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** A kind as kubectl spells it (`deployment`, `Deployment`, `statefulset`). */
const kind = '[A-Za-z][A-Za-z0-9]{0,62}';
/**
 * An object name: dot-separated segments of letters, digits, `-`, `_` and `:` (RBAC objects
 * use `system:...`), each starting and ending alphanumeric, so `.`, `..` and empty segments are
 * impossible.
 */
const nameSegment = '[A-Za-z0-9](?:[-A-Za-z0-9_:]*[A-Za-z0-9])?';
const objectName = `${nameSegment}(?:\\.${nameSegment})*`;

/**
 * `namespace/kind/name`, or `kind/name` for a cluster-scoped target (as kubernaut accepts);
 * at most a 63-character namespace and kind and a 253-character name.
 */
export const targetResourcePattern = `^(?:${namespace}/)?${kind}/${objectName}$`;
export const targetResourceMaxLength = 381;

// The distribution reference grammar (github.com/distribution/reference), RE2-compatible.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domain = `(?:${domainName}|${ipv6})(?::[0-9]+)?`;
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[_.]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
// A digest the kubelet pulls by: a registered algorithm and exactly its length in lowercase hex
// (see digestHexDigits). The OCI image-spec grammar admits any algorithm and encoding, which
// the kubelet refuses only once the Pod exists.
const digest = `(?:${Object.entries(digestHexDigits)
  .map(([algorithm, digits]) => `${algorithm}:[a-f0-9]{${digits}}`)
  .join('|')})`;

/** An OCI image or bundle reference: `[registry[:port]/]path[:tag][@digest]`. */
export const ociReferencePattern = `^(?:${domain}/)?${remoteName}(?::${tag})?(?:@${digest})?$`;

/** An OCI digest the kubelet pulls by, such as `sha256:<64 lowercase hex digits>`. */
export const ociDigestPattern = `^${digest}$`;

/**
 * A URL some engines take as their bundle (kubernaut's ansible engine records the playbook's
 * git repository): a scheme, then printable characters without spaces.
 */
const bundleUrl = '(?:https?|git|ssh)://[!-~]+';

// The OCI image-spec's digest grammar (algorithm:encoded), which a WorkflowExecution's bundle
// is held to instead of the kubelet's: kubernaut takes any digest, and its own test executions
// pin bundles to short fake ones (`sha256:abc123`) that run where no image is pulled. One the
// kubelet will not pull by fails the pod (InvalidImageName), which the engines report.
const bundleDigest = '[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+';
const bundleReference = `(?:${domain}/)?${remoteName}(?::${tag})?(?:@${bundleDigest})?`;

/** What `workflowRef.executionBundle` may hold: an OCI reference, or a repository URL. */
export const executionBundlePattern = `^(?:${bundleReference}|${bundleUrl})$`;

/** What `workflowRef.executionBundleDigest` may hold: an OCI digest, `algorithm:encoded`. */
export const executionBundleDigestPattern = `^${bundleDigest}$`;

const bundleImage = new RegExp(`^${bundleReference}$`);

/**
 * Whether `reference` is an OCI reference a WorkflowExecution's bundle may name: the
 * distribution grammar with any OCI digest (see `executionBundlePattern`).
 */
export function isBundleImageReference(reference: string): boolean {
  return reference.length <= 512 && bundleImage.test(reference);
}

const ociReference = new RegExp(ociReferencePattern);

/** Whether `reference` is an OCI reference (at most 255 characters before the tag, as OCI says). */
export function isOciReference(reference: string): boolean {
  return reference.length <= 512 && ociReference.test(reference);
}

const undigested = new RegExp(`^(?:${domain}/)?${remoteName}(?::${tag})?$`);

/**
 * Why the kubelet would refuse the digest of a reference that is otherwise well formed (one
 * `@`, a valid name and tag before it), so its author reads how to fix the digest rather than
 * that the whole reference is wrong; undefined when the digest is one the kubelet pulls by,
 * when there is none (a URL's `@` is `user@host`), or when more than the digest is wrong.
 */
export function referenceDigestProblem(reference: string): string | undefined {
  const at = reference.indexOf('@');
  if (at === -1 || at !== reference.lastIndexOf('@') || reference.includes('://')) {
    return undefined;
  }
  return undigested.test(reference.slice(0, at))
    ? digestProblem(reference.slice(at + 1))
    : undefined;
}
