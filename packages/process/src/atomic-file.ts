import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `content` so that a reader, or the next start after a crash or power
 * loss, sees either the old file or the new one, never a mix: write a temporary file, fsync
 * it, rename it over the target, fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // A write cut short by a full disk would otherwise keep holding the space it took, which
    // is what the caller (a log rotation, a task record) needs back. The write's error is the
    // one to report, whatever the removal meets.
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Makes the directory's entries (a new file, a rename, a new subdirectory) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
