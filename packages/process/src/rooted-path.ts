import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';

/** Symbolic links followed in one lookup before it is a loop, as the kernel's limit. */
const maxLinks = 40;

/**
 * The path, in this process's filesystem, of `path` as a process whose root is `root` sees it
 * (`root` is `/proc/<pid>/root` for another container's process). The kernel resolves an
 * absolute symbolic link met under `/proc/<pid>/root` against this process's root, not that
 * one's, so links are followed here, each absolute target read from `root` again. Undefined
 * when a link names itself round more than `maxLinks` times. A part that does not exist ends
 * the resolution there: what is returned then does not exist either, which its caller finds.
 * Any other error of a lookup (EACCES) is thrown.
 */
export async function pathInRoot(root: string, path: string): Promise<string | undefined> {
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const here = posix.join(root, ...resolved, part);
    const info = await lstat(here).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!info?.isSymbolicLink()) {
      resolved.push(part);
      if (!info) return posix.join(root, ...resolved, ...pending);
      continue;
    }
    if (++links > maxLinks) return undefined;
    const target = await readlink(here);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return posix.join(root, ...resolved);
}
