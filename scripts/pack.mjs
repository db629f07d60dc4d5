// Packs every publishable package (packages/*) into one directory, the way `npm publish`
// would: each package's prepack builds dist/ and writes the published manifest (see
// scripts/pack-manifest.mjs), postpack restores the development one. Prints and returns the
// tarball paths. Usage: node scripts/pack.mjs [destination] (default: a new temp directory).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The workspace directories under packages/, e.g. `packages/core`, in the root package.json's
 * `workspaces` order, which lists each package after those it depends on: each package's prepack
 * builds only itself, against the dist/ of its dependencies, so on a clean clone they must be
 * packed (npm packs them in the order given) dependencies first.
 */
export function packageDirs() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return manifest.workspaces.filter((workspace) => workspace.startsWith('packages/'));
}

export function packAll(destination = mkdtempSync(join(tmpdir(), 'roundhouse-pack-'))) {
  const dir = resolve(destination);
  mkdirSync(dir, { recursive: true });
  const workspaces = packageDirs().flatMap((pkg) => ['--workspace', pkg]);
  const out = execFileSync(
    'npm',
    ['pack', '--json', '--pack-destination', dir, '--loglevel', 'warn', ...workspaces],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  // Lifecycle output (tsc) may precede the JSON on stdout.
  const results = JSON.parse(out.slice(out.indexOf('\n[') + 1 || 0));
  return results.map((result) => ({ name: result.name, tarball: join(dir, result.filename) }));
}

/** The tarballs in `dir` when given and not empty, else every package packed afresh. */
export function packedTarballs(dir) {
  if (dir !== undefined && existsSync(dir)) {
    const files = readdirSync(dir).filter((file) => file.endsWith('.tgz'));
    if (files.length > 0) return files.sort().map((file) => join(resolve(dir), file));
  }
  return packAll(dir).map((packed) => packed.tarball);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { tarball } of packAll(process.argv[2])) console.log(tarball);
}
