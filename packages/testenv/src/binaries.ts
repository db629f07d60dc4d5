import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildResult, type Env, runBuildScript } from './build-script.js';
import { BinariesNotFoundError } from './errors.js';

export type { BuildResult, Env };

/** The versions built by scripts/build-binaries.sh; they key the cache directory. */
export const pinnedVersions = { kubernetes: '1.36.3', etcd: '3.6.8', kwok: '0.8.0' } as const;

export const apiServerBinaries = ['etcd', 'kube-apiserver'] as const;
export const workloadBinaries = ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type BinaryName = (typeof apiServerBinaries)[number] | (typeof workloadBinaries)[number];
export type BinaryPaths = Partial<Record<BinaryName, string>>;
/** What every control plane needs is certainly there; the workload binaries may be. */
export type ResolvedBinaries = BinaryPaths & { etcd: string; 'kube-apiserver': string };

export const buildScript = fileURLToPath(new URL('../scripts/build-binaries.sh', import.meta.url));

export function requiredBinaries(workloads: boolean): BinaryName[] {
  return workloads ? [...apiServerBinaries, ...workloadBinaries] : [...apiServerBinaries];
}

/** Where the build script puts the binaries; the same rule as the script's. */
export function cacheDir(env: Env, home = homedir()): string {
  const v = pinnedVersions;
  return join(cacheRoot(env, home), `k8s-v${v.kubernetes}-etcd-v${v.etcd}-kwok-v${v.kwok}`);
}

/** The directory every build script caches into, `~/.cache/roundhouse` by default. */
export function cacheRoot(env: Env, home = homedir()): string {
  return env.ROUNDHOUSE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'roundhouse');
}

export interface SearchPath {
  dirs: string[];
  /** Whether running the build script can fill in what is missing. */
  buildable: boolean;
}

/**
 * An explicit directory, or ROUNDHOUSE_TESTENV_BIN, is the only place looked at: whoever set it
 * wants exactly those binaries. Otherwise envtest's KUBEBUILDER_ASSETS (which has etcd and
 * kube-apiserver) comes first and the build cache supplies the rest.
 */
export function searchPath(env: Env, explicitDir?: string): SearchPath {
  if (explicitDir) return { dirs: [explicitDir], buildable: false };
  if (env.ROUNDHOUSE_TESTENV_BIN) return { dirs: [env.ROUNDHOUSE_TESTENV_BIN], buildable: false };
  const dirs = env.KUBEBUILDER_ASSETS ? [env.KUBEBUILDER_ASSETS] : [];
  return { dirs: [...dirs, cacheDir(env)], buildable: true };
}

export interface Located {
  paths: BinaryPaths;
  missing: BinaryName[];
}

/** Each binary from the first directory that has it. */
export function locate(
  names: readonly BinaryName[],
  dirs: readonly string[],
  isExecutable: (path: string) => boolean,
): Located {
  const paths: BinaryPaths = {};
  const missing: BinaryName[] = [];
  for (const name of names) {
    const found = dirs.map((dir) => join(dir, name)).find(isExecutable);
    if (found) paths[name] = found;
    else missing.push(name);
  }
  return { paths, missing };
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds the binaries without building anything. */
export function findBinaries(
  workloads: boolean,
  options: { binDir?: string | undefined; env?: Env | undefined } = {},
): ResolvedBinaries {
  const search = searchPath(options.env ?? process.env, options.binDir);
  return resolved(locate(requiredBinaries(workloads), search.dirs, isExecutable), search.dirs);
}

function resolved({ paths, missing }: Located, dirs: readonly string[]): ResolvedBinaries {
  if (missing.length > 0 || !paths.etcd || !paths['kube-apiserver']) {
    throw new BinariesNotFoundError(missing, dirs);
  }
  return { ...paths, etcd: paths.etcd, 'kube-apiserver': paths['kube-apiserver'] };
}

/** The workload binaries by role; throws when one of them was not located. */
export function requireWorkloadBinaries(paths: BinaryPaths): {
  controllerManager: string;
  scheduler: string;
  kwok: string;
} {
  const { 'kube-controller-manager': controllerManager, 'kube-scheduler': scheduler, kwok } = paths;
  if (!controllerManager || !scheduler || !kwok) {
    throw new BinariesNotFoundError(
      workloadBinaries.filter((name) => !paths[name]),
      [],
    );
  }
  return { controllerManager, scheduler, kwok };
}

/** Runs the build script, which returns at once when the cache is complete. */
export function buildBinaries(
  options: { log?: ((line: string) => void) | undefined; env?: Env | undefined } = {},
): Promise<BuildResult> {
  return runBuildScript({
    script: buildScript,
    what: 'control-plane',
    env: {
      ...(options.env ?? process.env),
      ROUNDHOUSE_K8S_VERSION: pinnedVersions.kubernetes,
      ROUNDHOUSE_ETCD_VERSION: pinnedVersions.etcd,
      ROUNDHOUSE_KWOK_VERSION: pinnedVersions.kwok,
    },
    log: options.log,
  });
}

export interface EnsuredBinaries {
  paths: ResolvedBinaries;
  /** Set when the build script ran. */
  build?: BuildResult | undefined;
}

/** Finds the binaries, building into the cache what is missing when that is allowed. */
export async function ensureBinaries(
  workloads: boolean,
  options: { log?: ((line: string) => void) | undefined; env?: Env | undefined } = {},
): Promise<EnsuredBinaries> {
  const env = options.env ?? process.env;
  const search = searchPath(env);
  const first = locate(requiredBinaries(workloads), search.dirs, isExecutable);
  if (first.missing.length === 0) return { paths: resolved(first, search.dirs) };
  if (!search.buildable) throw new BinariesNotFoundError(first.missing, search.dirs);
  const build = await buildBinaries(options);
  const dirs = search.dirs.includes(build.dir) ? search.dirs : [...search.dirs, build.dir];
  return { paths: resolved(locate(requiredBinaries(workloads), dirs, isExecutable), dirs), build };
}
