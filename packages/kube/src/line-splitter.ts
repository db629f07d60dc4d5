/**
 * Cuts a byte stream into lines: a watch's JSON events, a container's log. Chunk boundaries fall
 * anywhere, inside a line and inside a multi-byte character, so an unfinished line waits for the
 * next chunk. A line longer than `maxLineLength` UTF-16 units comes in pieces of that length, as
 * a container runtime cuts a long log line into entries: a server that never ends a line (a
 * container writing without line breaks) would otherwise grow one string without bound.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder();
  readonly #maxLineLength: number;
  // Pieces of the unfinished line, joined once it completes: a large object arrives in many
  // chunks, and concatenating on every chunk would copy it over and over.
  #partial: string[] = [];
  #length = 0;

  constructor(maxLineLength = Number.POSITIVE_INFINITY) {
    this.#maxLineLength = maxLineLength;
  }

  /** The lines this chunk completes, and the pieces of a line it makes too long. */
  push(chunk: Uint8Array): string[] {
    const pieces = this.#decoder.decode(chunk, { stream: true }).split('\n');
    const last = pieces.pop() as string;
    const lines: string[] = [];
    for (const piece of pieces) {
      this.#append(piece, lines);
      lines.push(this.#take());
    }
    this.#append(last, lines);
    return lines;
  }

  /** What is left when the stream ends: a last line without its newline, if any. */
  end(): string[] {
    const lines: string[] = [];
    this.#append(this.#decoder.decode(), lines);
    const rest = this.#take();
    return rest === '' ? lines : [...lines, rest];
  }

  #append(text: string, lines: string[]): void {
    let rest = text;
    while (this.#length + rest.length > this.#maxLineLength) {
      let room = this.#maxLineLength - this.#length;
      // Not between the two halves of a surrogate pair.
      if (isHighSurrogate(rest.charCodeAt(room - 1)) && (room > 1 || this.#length > 0)) room -= 1;
      this.#partial.push(rest.slice(0, room));
      lines.push(this.#take());
      rest = rest.slice(room);
    }
    if (rest === '') return;
    this.#partial.push(rest);
    this.#length += rest.length;
  }

  #take(): string {
    const line = this.#partial.join('');
    this.#partial = [];
    this.#length = 0;
    return line;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
