/**
 * Reading a job's output as it streams in, keeping only what the caller asked for: a long
 * transcript never sits in memory whole.
 */

/** What a read of a job's output kept, and how many lines the whole output has. */
export interface OutputLines {
  readonly lines: readonly string[];
  /**
   * Every line of the output (up to `until`), the skipped and dropped ones included, numbered
   * as the selection numbers them.
   */
  readonly total: number;
}

export interface LineSelection {
  /** Lines at the start that were given before. */
  readonly skip: number;
  /** The line before which reading stops: lines from it on are not kept, nor read. */
  readonly until?: number | undefined;
  /** Keep only the last this many lines. */
  readonly lastLines?: number | undefined;
  /** Keep only the last lines that fit in this many bytes (the last line always). */
  readonly maxBytes?: number | undefined;
  /**
   * A line longer than this many bytes is not held: a marker saying so stands in for it. A
   * playbook may print any amount without a line break, and a line cut short could show part
   * of a value the scrub would only recognise whole.
   */
  readonly maxLineBytes?: number | undefined;
  /**
   * Number the download's lines as ansible-runner numbers the events' (`start_line`,
   * `end_line`), so that those select a range: it counts every newline an event printed, and
   * the download breaks a line only at `\r\n`. AWX's copy writes a newline without a carriage
   * return before it as the escape `\n` (UnifiedJob.result_stdout_raw_handle), so a line counts
   * once more for each of those in it.
   */
  readonly countsEscapedNewlines?: boolean | undefined;
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
  const escapes = selection.countsEscapedNewlines ? new EscapedNewlines() : undefined;
  const line = new PendingLine(selection.maxLineBytes ?? Number.POSITIVE_INFINITY, escapes);
  for await (const chunk of body) {
    const parts = decoder.decode(chunk, { stream: true }).split('\n');
    line.add(parts[0] ?? '');
    if (parts.length === 1) continue;
    window.add(...line.take());
    for (const whole of parts.slice(1, -1)) {
      line.add(whole);
      window.add(...line.take());
    }
    line.add(parts.at(-1) ?? '');
    if (window.full) break;
  }
  line.add(decoder.decode());
  if (!line.empty) window.add(...line.take());
  return { lines: window.lines(), total: window.total };
}

/** What stands in for a line of `bytes` bytes that is longer than `maxBytes`. */
export function leftOutLine(bytes: number, maxBytes: number): string {
  return `(a line of ${bytes} bytes left out: longer than ${maxBytes} bytes)`;
}

/**
 * The `\n` escapes of PostgreSQL's text COPY format in a line read in pieces: a backslash
 * escapes the character after it, which may start the next piece.
 */
class EscapedNewlines {
  #count = 0;
  #escaping = false;

  scan(piece: string): void {
    let at = 0;
    while (at < piece.length) {
      if (this.#escaping) {
        if (piece[at] === 'n') this.#count += 1;
        this.#escaping = false;
        at += 1;
        continue;
      }
      const backslash = piece.indexOf('\\', at);
      if (backslash < 0) return;
      this.#escaping = true;
      at = backslash + 1;
    }
  }

  /** How many the line held; the next line starts with none. */
  take(): number {
    const count = this.#count;
    this.#count = 0;
    this.#escaping = false;
    return count;
  }
}

/** The line being read, held only while it is within `maxBytes`. */
class PendingLine {
  readonly #maxBytes: number;
  readonly #escapes: EscapedNewlines | undefined;
  #pieces: string[] = [];
  #bytes = 0;

  constructor(maxBytes: number, escapes: EscapedNewlines | undefined) {
    this.#maxBytes = maxBytes;
    this.#escapes = escapes;
  }

  get empty(): boolean {
    return this.#bytes === 0;
  }

  add(piece: string): void {
    this.#escapes?.scan(piece);
    this.#bytes += Buffer.byteLength(piece);
    if (this.#bytes <= this.#maxBytes) this.#pieces.push(piece);
    else this.#pieces = [];
  }

  /** The line, and how many lines it counts as (see `LineSelection.countsEscapedNewlines`). */
  take(): [line: string, counted: number] {
    const line =
      this.#bytes <= this.#maxBytes
        ? this.#pieces.join('')
        : leftOutLine(this.#bytes, this.#maxBytes);
    this.#pieces = [];
    this.#bytes = 0;
    return [line, 1 + (this.#escapes?.take() ?? 0)];
  }
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

  /** Whether no later line is kept: the selection ends before it. */
  get full(): boolean {
    return this.total >= (this.#selection.until ?? Number.POSITIVE_INFINITY);
  }

  add(line: string, counted: number): void {
    if (this.full) return;
    const first = this.total;
    this.total += counted;
    if (first < this.#selection.skip) return;
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
