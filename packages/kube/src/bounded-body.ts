/**
 * An error answer's body read into memory only up to a limit. A Status is a few KiB at most; the
 * API server itself reads no more than 50000 bytes of a kubelet's error body
 * (k8s.io/apiserver/pkg/registry/generic/rest/response_checker.go, maxReadLength), and a proxy
 * in front of it may send any amount.
 */

/**
 * The most of an error answer read: far above any Status (a 422's causes included), so that an
 * answer the client stops reading, which costs its connection, is none the API server sends.
 */
export const maxErrorBodyBytes = 1024 * 1024;

/** The first `maxBytes` of a body; leaving the loop early destroys the body and its stream. */
export async function readBounded(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number = maxErrorBodyBytes,
): Promise<string> {
  const chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    if (held + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - held));
      break;
    }
    chunks.push(buffer);
    held += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
