/**
 * A body read into memory only up to a limit. A timeout bounds how long a body may take, not
 * how much of it arrives meanwhile: a server, a proxy in front of it or a file given by mistake
 * may send far more than any answer the reader expects.
 */

/** What was read: all of the body, or its first `maxBytes` when it is longer (`cut`). */
export interface BoundedText {
  readonly text: string;
  readonly cut: boolean;
}

/**
 * The body's first `maxBytes` as UTF-8. Leaving the loop early destroys the body (an undici
 * body or a Node stream), which closes its connection or file instead of reading on.
 */
export async function readBoundedBody(
  body: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
): Promise<BoundedText> {
  const chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    // A view, not a copy: every answer of a client goes through here, a list's megabytes too.
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (held + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - held));
      return { text: Buffer.concat(chunks).toString('utf8'), cut: true };
    }
    chunks.push(buffer);
    held += buffer.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut: false };
}
