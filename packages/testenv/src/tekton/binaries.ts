import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, isExecutable } from '../binaries.js';
import { type BuildResult, type Env, runBuildScript } from '../build-script.js';
import { BinariesNotFoundError, TestEnvError } from '../errors.js';

/** The Tekton Pipelines release scripts/build-tekton.sh builds (module github.com/tektoncd/pipeline). */
export const tektonVersion = '1.15.1';

export const tektonBuildScript = fileURLToPath(
  new URL('../../scripts/build-tekton.sh', import.meta.url),
);
/** Our thin mains around Tekton's reconcilers; they are part of what the cache key covers. */
export const tektonMainsDir = fileURLToPath(new URL('../../scripts/tekton', import.meta.url));

/** A built Tekton: its two binaries and the CRDs and ConfigMaps of the same release. */
export interface TektonInstall {
  readonly version: string;
  readonly dir: string;
  readonly controller: string;
  readonly resolvers: string;
  /** `crds/`, `controller/` and `resolvers/`: YAML copied from the module's config/. */
  readonly configDir: string;
}

export interface EnsuredTekton {
  install: TektonInstall;
  /** Set when the build script ran. */
  build?: BuildResult | undefined;
}

/** Whether the run wants Tekton: ROUNDHOUSE_TESTENV_TEKTON=off turns it off. */
export function tektonWanted(env: Env): boolean {
  return env.ROUNDHOUSE_TESTENV_TEKTON?.trim().toLowerCase() !== 'off';
}

/**
 * The cache key of the mains, as the build script computes it: sha256 over the `.go` files'
 * contents, in byte order of their `./`-relative paths, first 12 hex digits.
 */
export function mainsKey(files: readonly { path: string; content: Buffer }[]): string {
  const hash = createHash('sha256');
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) hash.update(file.content);
  return hash.digest('hex').slice(0, 12);
}

async function goFiles(dir: string): Promise<{ path: string; content: Buffer }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile() && e.name.endsWith('.go'))
    .map((e) => join(e.parentPath, e.name));
  return Promise.all(
    paths.map(async (p) => ({ path: `./${relative(dir, p)}`, content: await readFile(p) })),
  );
}

/** Where the build script puts this Tekton build; the same rule as the script's. */
export async function tektonCacheDir(env: Env, home = homedir()): Promise<string> {
  const key = mainsKey(await goFiles(tektonMainsDir));
  return join(cacheRoot(env, home), `tekton-v${tektonVersion}-${key}`);
}

/** The install in `dir`, or undefined while anything of it is missing. */
export function tektonInstallAt(dir: string): TektonInstall | undefined {
  const install = {
    version: tektonVersion,
    dir,
    controller: join(dir, 'tekton-controller'),
    resolvers: join(dir, 'tekton-resolvers'),
    configDir: join(dir, 'config'),
  };
  const complete =
    isExecutable(install.controller) &&
    isExecutable(install.resolvers) &&
    existsSync(join(install.configDir, 'crds'));
  return complete ? install : undefined;
}

/** Finds the cached Tekton build without building anything. */
export async function findTekton(options: { env?: Env | undefined } = {}): Promise<TektonInstall> {
  const dir = await tektonCacheDir(options.env ?? process.env);
  const install = tektonInstallAt(dir);
  if (!install) throw new BinariesNotFoundError(['tekton-controller', 'tekton-resolvers'], [dir]);
  return install;
}

/** Finds the cached Tekton build, building it first when it is missing (Go >= 1.26). */
export async function ensureTekton(
  options: { log?: ((line: string) => void) | undefined; env?: Env | undefined } = {},
): Promise<EnsuredTekton> {
  const env = options.env ?? process.env;
  const cached = tektonInstallAt(await tektonCacheDir(env));
  if (cached) return { install: cached };
  const build = await runBuildScript({
    script: tektonBuildScript,
    what: 'Tekton Pipelines',
    env: { ...env, ROUNDHOUSE_TEKTON_VERSION: tektonVersion },
    log: options.log,
  });
  const install = tektonInstallAt(build.dir);
  if (!install) {
    throw new TestEnvError(`the Tekton build finished but ${build.dir} is incomplete`);
  }
  return { install, build };
}
