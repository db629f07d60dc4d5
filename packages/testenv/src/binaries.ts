import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BinariesNotFoundError, BinaryBuildError, ToolchainMissingError } from './errors.js';

/** The versions built by scripts/build-binaries.sh; they key the cache directory. */
export const pinnedVersions = { kubernetes: '1.36.3', etcd: '3.6.8', kwok: '0.8.0' } as const;

export const apiServerBinaries = ['etcd', 'kube-apiserver'] as const;
export const workloadBinaries = ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type BinaryName = (typeof apiServerBinaries)[number] | (typeof workloadBinaries)[number];
export type BinaryPaths = Partial<Record<BinaryName, string>>;
/** What every control plane needs is certainly there; the workload binaries may be. */
export type ResolvedBinaries = BinaryPaths & { etcd: string; 'kube-apiserver': string };

export type Env = Readonly<Record<string, string | undefined>>;

export const buildScript = fileURLToPath(new URL('../scripts/build-binaries.sh', import.meta.url));

/** Exit code of the build script when Go is missing or older than it needs. */
const toolchainMissingExit = 3;

export function requiredBinaries(workloads: boolean): BinaryName[] {
  return workloads ? [...apiServerBinaries, ...workloadBinaries] : [...apiServerBinaries];
}

/** Where the build script puts the binaries; the same rule as the script's. */
export function cacheDir(env: Env, home = homedir()): string {
  const root =
    env.ROUNDHOUSE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'roundhouse');
  const v = pinnedVersions;
  return join(root, `k8s-v${v.kubernetes}-etcd-v${v.etcd}-kwok-v${v.kwok}`);
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

function isExecutable(path: string): boolean {
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
  options: { binDir?: string; env?: Env } = {},
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

export interface BuildResult {
  dir: string;
  seconds: number;
  /** Whether anything was compiled; the script returns at once when the cache is complete. */
  built: boolean;
  /** Go's output; kept when something was built (or the build failed). */
  logPath?: string;
}

/**
 * Runs the build script, which returns at once when the cache is complete. Its progress lines are
 * passed to `log`; Go's own output goes only to the build log.
 */
export async function buildBinaries(
  options: { log?: (line: string) => void; env?: Env } = {},
): Promise<BuildResult> {
  const started = Date.now();
  const logDir = await mkdtemp(join(tmpdir(), 'roundhouse-testenv-build-'));
  const logPath = join(logDir, 'build.log');
  const logFile = createWriteStream(logPath);
  const child = spawn('bash', [buildScript], {
    env: {
      ...(options.env ?? process.env),
      ROUNDHOUSE_K8S_VERSION: pinnedVersions.kubernetes,
      ROUNDHOUSE_ETCD_VERSION: pinnedVersions.etcd,
      ROUNDHOUSE_KWOK_VERSION: pinnedVersions.kwok,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lastStdoutLine = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.trim()) lastStdoutLine = line.trim();
  });
  let lastProgress = '';
  let built = false;
  createInterface({ input: child.stderr }).on('line', (line) => {
    logFile.write(`${line}\n`);
    if (!line.startsWith('[testenv-build]')) return;
    lastProgress = line;
    // Before this line the script only checks preconditions; their failure becomes the error.
    if (line.includes('building into')) built = true;
    if (built) options.log?.(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  await new Promise((resolve) => logFile.end(resolve));
  if (code === toolchainMissingExit) {
    await rm(logDir, { recursive: true, force: true });
    throw new ToolchainMissingError(
      lastProgress.replace(/^\[testenv-build\]\s*/, '') || 'Go >= 1.26 is required',
    );
  }
  if (code !== 0) {
    throw new BinaryBuildError(`the control-plane build failed with exit code ${code}`, logPath);
  }
  const seconds = (Date.now() - started) / 1000;
  if (built) return { dir: lastStdoutLine, seconds, built, logPath };
  await rm(logDir, { recursive: true, force: true });
  return { dir: lastStdoutLine, seconds, built };
}

export interface EnsuredBinaries {
  paths: ResolvedBinaries;
  /** Set when the build script ran. */
  build?: BuildResult;
}

/** Finds the binaries, building into the cache what is missing when that is allowed. */
export async function ensureBinaries(
  workloads: boolean,
  options: { log?: (line: string) => void; env?: Env } = {},
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
