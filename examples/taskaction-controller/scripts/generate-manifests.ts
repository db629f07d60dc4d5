import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deployDir, generatedManifests, renderManifest } from '../test/manifests.js';

/**
 * Writes the generated manifests (the CRD) into deploy/, then formats them as `npm run lint`
 * expects. Run it after changing a schema: `npm run manifests -w
 * @roundhouse/example-taskaction-controller`.
 */
const paths = generatedManifests().map((manifest) => {
  const path = fileURLToPath(new URL(manifest.file, deployDir));
  writeFileSync(path, renderManifest(manifest));
  return path;
});
execFileSync('biome', ['format', '--write', ...paths], { stdio: 'inherit' });
for (const path of paths) console.log(`wrote ${path}`);
