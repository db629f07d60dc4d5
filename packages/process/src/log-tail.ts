import { open } from 'node:fs/promises';

export type LogStream = 'stdout' | 'stderr';

/** Default and largest `limitBytes` of a read of a task's log (`GET /tasks/{name}/logs`). */
export const defaultLogBytes = 64 * 1024;
export const maxLogBytes = 1024 * 1024;

export interface LogTail {
  /** The last bytes of the stream, decoded as UTF-8 (invalid sequences become U+FFFD). */
  readonly content: string;
  /** The stream's whole size in bytes: everything the task wrote, kept or not. */
  readonly size: number;
  /** Whether earlier output was left out. */
  readonly truncated: boolean;
}

/**
 * Drops the UTF-8 continuation bytes a cut left at the start of a buffer, so a tail that
 * begins inside a multi-byte character does not start with a replacement character.
 */
export function trimPartialCharacter(bytes: Uint8Array): Uint8Array {
  let start = 0;
  // A character is at most 4 bytes: at most 3 continuation bytes can precede the next start.
  while (start < 3 && start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start);
}

/** The last `limitBytes` of a file; an absent file reads as empty. */
export async function readTail(path: string, limitBytes: number): Promise<LogTail> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { content: '', size: 0, truncated: false };
    }
    throw error;
  }
  try {
    const { size } = await file.stat();
    const length = Math.min(size, limitBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, size - length);
    const truncated = size > length;
    const bytes = buffer.subarray(0, bytesRead);
    const text = new TextDecoder().decode(truncated ? trimPartialCharacter(bytes) : bytes);
    return { content: text, size, truncated };
  } finally {
    await file.close();
  }
}
