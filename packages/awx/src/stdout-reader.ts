/**
 * Reading a job's output as it streams in, keeping only what the caller asked for: a long
 * transcript never sits in memory whole.
 */

/** What a read of a job's output kept, and how many lines the whole output has. */
export interface OutputLines {
  readonly lines: readonly string[];
  /** Every line of the output, the skipped and dropped ones included. */
  readonly total: number;
}

export interface LineSelection {
  /** Lines at the start that were given before. */
  readonly skip: number;
  /** Keep only the last this many lines. */
  readonly lastLines?: number | undefined;
  /** Keep only the last lines that fit in this many bytes (the last line always). */
  readonly maxBytes?: number | undefined;
}

/** The last `maxBytes` of a byte stream, decoded as UTF-8 from the first whole character. */
export async function readTail(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let held = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    chunks.push(buffer);
    held += buffer.length;
    while (chunks.length > 1 && held - (chunks[0]?.length ?? 0) >= maxBytes) {
      held -= chunks.shift()?.length ?? 0;
    }
  }
  return lastBytes(Buffer.concat(chunks), maxBytes);
}

/** The last `maxBytes` of UTF-8 bytes, decoded from the first whole character. */
export function lastBytes(all: Buffer, maxBytes: number): string {
  let start = Math.max(0, all.length - maxBytes);
  // Skip UTF-8 continuation bytes a cut left at the start.
  while (start < all.length && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
  return all.subarray(start).toString('utf8');
}

/**
 * The lines of a UTF-8 byte stream that `selection` keeps, and how many there are. A last line
 * without its newline is a line.
 */
export async function readLines(
  body: AsyncIterable<Uint8Array>,
  selection: LineSelection,
): Promise<OutputLines> {
  const decoder = new TextDecoder('utf-8');
  const window = new LineWindow(selection);
  let pending: string[] = [];
  for await (const chunk of body) {
    const parts = decoder.decode(chunk, { stream: true }).split('\n');
    if (parts.length === 1) {
      pending.push(parts[0] ?? '');
      continue;
    }
    window.add([...pending, parts[0]].join(''));
    for (const line of parts.slice(1, -1)) window.add(line);
    pending = [parts.at(-1) ?? ''];
  }
  const rest = [...pending, decoder.decode()].join('');
  if (rest !== '') window.add(rest);
  return { lines: window.lines(), total: window.total };
}

/** The last lines within a count and a byte budget, dropped from the front as more arrive. */
class LineWindow {
  readonly #selection: LineSelection;
  #kept: string[] = [];
  #first = 0;
  #bytes = 0;
  total = 0;

  constructor(selection: LineSelection) {
    this.#selection = selection;
  }

  add(line: string): void {
    this.total += 1;
    if (this.total <= this.#selection.skip) return;
    this.#kept.push(line);
    this.#bytes += Buffer.byteLength(line) + 1;
    const { lastLines = Number.POSITIVE_INFINITY, maxBytes = Number.POSITIVE_INFINITY } =
      this.#selection;
    while (
      this.#kept.length - this.#first > lastLines ||
      (this.#bytes > maxBytes && this.#kept.length - this.#first > 1)
    ) {
      this.#bytes -= Buffer.byteLength(this.#kept[this.#first] ?? '') + 1;
      this.#first += 1;
    }
    // Dropped lines are released in batches, so dropping stays linear in the output.
    if (this.#first > 1024 && this.#first * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#first);
      this.#first = 0;
    }
  }

  lines(): string[] {
    return this.#kept.slice(this.#first);
  }
}
