/**
 * An OCI reference pinned to `digest` (`repo:tag@sha256:...`), replacing a digest the reference
 * already carries; unchanged without a digest. Job images and Tekton bundles share this rule.
 */
export function pinnedReference(reference: string, digest: string | undefined): string {
  if (!digest) return reference;
  const at = reference.indexOf('@');
  return `${at === -1 ? reference : reference.slice(0, at)}@${digest}`;
}

/**
 * The digest algorithms the kubelet pulls by, and how many hex digits each has: go-digest's
 * registered ones. The kubelet parses an image with distribution/reference, which hands the
 * digest to go-digest's Validate: an algorithm it does not register is unsupported, whatever
 * the encoding, and a registered one needs exactly its length in lowercase hex. Anything else
 * leaves the Pod waiting in InvalidImageName, after the execution was admitted.
 */
export const digestHexDigits = { sha256: 64, sha384: 96, sha512: 128 } as const;

const algorithms = Object.keys(digestHexDigits)
  .join(', ')
  .replace(/, (?=[^,]*$)/, ' or ');

/**
 * Why the kubelet would refuse to pull by `digest` (`algorithm:hex`), saying what to write
 * instead; undefined when it would pull by it.
 */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon === -1) {
    return `"${digest}" is not a digest: write algorithm:hex, such as sha256:<64 lowercase hex digits>`;
  }
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!Object.hasOwn(digestHexDigits, algorithm)) {
    return `the kubelet pulls by ${algorithms} digests, not "${algorithm}"; pin the image by one of those`;
  }
  const digits = digestHexDigits[algorithm as keyof typeof digestHexDigits];
  if (!/^[0-9a-f]*$/.test(hex)) {
    return `a ${algorithm} digest is lowercase hex (0-9, a-f), as the registry reports it; write ${algorithm}:<${digits} lowercase hex digits>`;
  }
  if (hex.length !== digits) {
    return `a ${algorithm} digest has ${digits} hex digits, this one ${hex.length}; copy the whole digest the registry reports`;
  }
  return undefined;
}
