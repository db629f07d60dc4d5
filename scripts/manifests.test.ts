import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deployDir, generatedManifests } from './manifests.js';

describe('the generated manifests in examples/workflowexecution-controller/deploy', () => {
  for (const manifest of generatedManifests()) {
    it(`${manifest.file} is what the code generates today`, () => {
      const text = readFileSync(new URL(manifest.file, deployDir), 'utf8');
      const documents = parseAllDocuments(text).map((doc) => doc.toJSON() as unknown);
      expect(
        documents,
        `deploy/${manifest.file} is out of date: run npm run manifests -w @roundhouse/example-workflowexecution-controller`,
      ).toEqual(manifest.documents);
      expect(text).toContain('do not edit by hand');
    });
  }
});
