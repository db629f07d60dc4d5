/**
 * An answer's body read into memory only up to a limit: the timeout bounds how long a body may
 * take, not how much of it arrives meanwhile, and a server (or a proxy in front of it) may send
 * far more than any answer of AWX's REST API holds.
 */

/** What was read: all of the body, or its first `maxBytes` when it is longer (`cut`). */
export interface BoundedText {
  readonly text: string;
  readonly cut: boolean;
}

/** Leaving the loop early destroys the body, which closes its connection instead of reading on. */
export async function readBounded(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<BoundedText> {
  const chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    if (held + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - held));
      return { text: Buffer.concat(chunks).toString('utf8'), cut: true };
    }
    chunks.push(buffer);
    held += buffer.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut: false };
}
