import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTaskLog, type TaskLogRead } from './task-log.js';

/**
 * A task's stdout in a fresh directory, written as the task writes it and read as the agent
 * reads it, for the task-log tests.
 */
export class TaskOutput {
  readonly dir = mkdtempSync(join(tmpdir(), 'roundhouse-task-log-'));
  /** Every byte written, in order: what the stream is, to compare a read with. */
  written = '';
  private lines = 0;

  write(text: string): void {
    appendFileSync(join(this.dir, 'stdout.log'), text);
    this.written += text;
  }

  /** Every line is numbered and as long as the others: a run of them is found once in the stream. */
  writeLine(): string {
    const line = `line ${String(this.lines++).padStart(5, '0')}\n`;
    this.write(line);
    return line;
  }

  read(range: { from?: number; limitBytes: number }): Promise<TaskLogRead> {
    return readTaskLog(this.dir, 'stdout', range);
  }

  /** The whole stream as a directory keeps it: this one, or a copy of it. */
  everything(directory = this.dir): Promise<TaskLogRead> {
    return readTaskLog(directory, 'stdout', { from: 0, limitBytes: 1024 * 1024 });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A file's bytes as one character each, or '' when it does not exist. */
export const fileIn = (directory: string, name: string) =>
  existsSync(join(directory, name)) ? readFileSync(join(directory, name), 'latin1') : '';
