/**
 * An agent's answer read into memory only up to a limit. The agent shares its pod with the
 * commands it runs, which can stand in for it, and the timeout bounds how long an answer takes,
 * not how much of it arrives meanwhile.
 */

/** The most of a success read: a log read's 1 MiB, JSON-escaped, or a long task list, fit. */
export const maxAnswerMiB = 16;

/** The most of an error answer read: the agent's error bodies are a few hundred bytes. */
export const maxErrorBytes = 64 * 1024;

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
