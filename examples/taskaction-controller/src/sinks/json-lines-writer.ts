import { open, readFile } from 'node:fs/promises';
import type { EventBatchWriter } from '@roundhouse/controller';

/**
 * Appends events to a file, one JSON object per line, and fsyncs before a write resolves, so a
 * recorded event survives a crash. It keeps one line per event `id`, including across restarts
 * (it reads the ids already in the file when opened): the controller records an event again
 * when a status write after it failed, and the file still ends with one record per transition.
 * Wrap it in a `BatchingEventSink`; writes are serialized, so concurrent batches never
 * duplicate an id.
 */
export class JsonLinesEventWriter<E extends { readonly id: string }>
  implements EventBatchWriter<E>
{
  readonly #path: string;
  readonly #ids: Set<string>;
  #endsMidLine: boolean;
  #tail: Promise<void> = Promise.resolve();

  private constructor(path: string, ids: Set<string>, endsMidLine: boolean) {
    this.#path = path;
    this.#ids = ids;
    this.#endsMidLine = endsMidLine;
  }

  static async open<E extends { readonly id: string }>(
    path: string,
  ): Promise<JsonLinesEventWriter<E>> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const ids = new Set<string>();
    for (const line of text.split('\n')) {
      const id = idOf(line);
      if (id !== undefined) ids.add(id);
    }
    // A crash mid-append leaves a torn last line; the next append starts on a line of its own.
    return new JsonLinesEventWriter<E>(path, ids, text.length > 0 && !text.endsWith('\n'));
  }

  write(events: readonly E[]): Promise<void> {
    const written = this.#tail.then(() => this.#append(events));
    this.#tail = written.catch(() => undefined);
    return written;
  }

  async #append(events: readonly E[]): Promise<void> {
    const fresh = new Map<string, E>();
    for (const event of events) {
      if (!this.#ids.has(event.id) && !fresh.has(event.id)) fresh.set(event.id, event);
    }
    if (fresh.size === 0) return;
    const lines = [...fresh.values()].map((event) => `${JSON.stringify(event)}\n`).join('');
    const file = await open(this.#path, 'a');
    try {
      await file.appendFile(this.#endsMidLine ? `\n${lines}` : lines);
      await file.sync();
    } finally {
      await file.close();
    }
    this.#endsMidLine = false;
    for (const id of fresh.keys()) this.#ids.add(id);
  }
}

function idOf(line: string): string | undefined {
  try {
    const value: unknown = JSON.parse(line);
    const id = (value as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
