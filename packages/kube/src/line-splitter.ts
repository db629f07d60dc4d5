/**
 * Cuts a byte stream into lines: a watch's JSON events, a container's log. Chunk boundaries fall
 * anywhere, inside a line and inside a multi-byte character, so an unfinished line waits for the
 * next chunk.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder();
  // Pieces of the unfinished line, joined once it completes: a large object arrives in many
  // chunks, and concatenating on every chunk would copy it over and over.
  #partial: string[] = [];

  /** The lines this chunk completes. */
  push(chunk: Uint8Array): string[] {
    const pieces = this.#decoder.decode(chunk, { stream: true }).split('\n');
    const last = pieces.pop() as string;
    if (pieces.length > 0) {
      pieces[0] = this.#partial.join('') + pieces[0];
      this.#partial = [];
    }
    if (last !== '') this.#partial.push(last);
    return pieces;
  }

  /** What is left when the stream ends: a last line without its newline, if any. */
  end(): string[] {
    const rest = this.#partial.join('') + this.#decoder.decode();
    this.#partial = [];
    return rest === '' ? [] : [rest];
  }
}
