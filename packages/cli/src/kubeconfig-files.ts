import { statSync } from 'node:fs';
import { type Cluster, type Context, KubeConfig, type User } from '@kubernetes/client-node';
import { InputError } from './errors.js';

const loadFix = 'pass a readable kubeconfig with --kubeconfig or KUBECONFIG';

/**
 * The kubeconfig of KUBECONFIG's files, merged as kubectl merges them: a file that does not
 * exist is passed over, and the first file to set a cluster, user or context name, or the
 * current-context, wins. client-node's own merge refused the whole list for one missing file
 * (a shell profile's optional cluster), refused a name two files share ("Duplicate cluster"),
 * and let the last current-context win, so it talked to another cluster than kubectl. A file
 * that does not load is named alone.
 */
export function mergedKubeconfig(files: readonly string[]): KubeConfig {
  const present = files.filter((file) => exists(file));
  if (present.length === 0) {
    throw new InputError(
      {
        path: '--kubeconfig',
        message: `none of the files KUBECONFIG lists exists (${files.join(', ')})`,
      },
      loadFix,
    );
  }
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const file of present) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (error) {
      throw new InputError(
        { path: '--kubeconfig', message: `cannot load ${file}: ${loadProblem(error)}` },
        loadFix,
      );
    }
    currentContext ||= one.getCurrentContext() ?? '';
    for (const cluster of one.getClusters()) firstWins(clusters, cluster);
    for (const user of one.getUsers()) firstWins(users, user);
    for (const context of one.getContexts()) firstWins(contexts, context);
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

function firstWins<T extends { readonly name: string }>(byName: Map<string, T>, item: T): void {
  if (!byName.has(item.name)) byName.set(item.name, item);
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    // Only a missing file is passed over, as kubectl does; one that cannot be read is named.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Why a kubeconfig did not load, without its text: a YAML error's code frame quotes the lines
 * around the mistake, which are often a token or a client key, so only where it is is said.
 */
export function loadProblem(error: unknown): string {
  const { reason, mark, message } = error as {
    reason?: unknown;
    mark?: { line?: number | undefined; column?: number | undefined } | undefined;
    message?: unknown;
  };
  if (typeof reason === 'string' && mark?.line !== undefined && mark.column !== undefined) {
    return `${reason} at line ${mark.line + 1}, column ${mark.column + 1}`;
  }
  return String(message ?? error).split('\n')[0] ?? '';
}
