import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployDir, generatedManifests, renderManifest } from './manifests.js';

/**
 * Writes the example controller's generated manifests (the CRD, the admission policy; the
 * kubernaut overlay's under deploy/kubernaut/) into its deploy/ directory, then formats them as `npm run lint` expects. Run it after changing a schema
 * or the policy: `npm run manifests -w @roundhouse/example-workflowexecution-controller`.
 */
const paths = generatedManifests().map((manifest) => {
  const path = fileURLToPath(new URL(manifest.file, deployDir));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderManifest(manifest));
  return path;
});
execFileSync('biome', ['format', '--write', ...paths], { stdio: 'inherit' });
for (const path of paths) console.log(`wrote ${path}`);
