// Rewrites a workspace package's package.json into its published form for `npm pack` /
// `npm publish`, and puts the development manifest back afterwards. Run by each package's
// prepack and postpack scripts (npm runs them in the package directory):
//
//   node ../../scripts/pack-manifest.mjs prepack    # save package.json, write the published one
//   node ../../scripts/pack-manifest.mjs postpack   # restore the saved package.json
//
// The published form drops the private `@roundhouse/source` export condition: inside this
// repository it points the type-checker (customConditions), vitest (resolve.conditions) and tsx
// (--conditions) at src/*.ts so nothing needs building first, but a consumer must only ever
// resolve dist/. It also drops `scripts` (build, and prepack/postpack naming this file, which is
// not in the tarball) and `devDependencies` (workspace packages a consumer never needs). npm
// runs postpack from the manifest it read before prepack, so the restore still happens. The original text is kept byte for byte under node_modules/.cache (ignored by
// git); if a pack failed between the two steps, the next prepack restores it first.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceCondition = '@roundhouse/source';

/** The exports map without the source condition, at any depth. */
export function publishedExports(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== sourceCondition)
      .map(([key, inner]) => [key, publishedExports(inner)]),
  );
}

/** The manifest `manifest` as published: see the top of this file. */
export function publishedManifest(manifest) {
  const { scripts, devDependencies, ...published } = manifest;
  return { ...published, exports: publishedExports(manifest.exports) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const step = process.argv[2];
  const manifestPath = join(process.cwd(), 'package.json');
  const original = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const cacheDir = new URL('../node_modules/.cache/roundhouse-pack/', import.meta.url);
  const saved = new URL(`${original.name.replace(/[@/]/g, '_')}.package.json`, cacheDir);

  function restore() {
    if (!existsSync(saved)) return false;
    writeFileSync(manifestPath, readFileSync(saved));
    rmSync(saved);
    return true;
  }

  if (step === 'prepack') {
    restore();
    const text = readFileSync(manifestPath, 'utf8');
    const manifest = JSON.parse(text);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(saved, text);
    writeFileSync(manifestPath, `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
    if (readFileSync(manifestPath, 'utf8').includes(sourceCondition)) {
      restore();
      throw new Error(`${manifest.name}: ${sourceCondition} is still in the published manifest`);
    }
  } else if (step === 'postpack') {
    if (!restore()) console.warn(`${original.name}: no saved package.json to restore`);
  } else {
    console.error('usage: node scripts/pack-manifest.mjs prepack|postpack');
    process.exit(2);
  }
}
