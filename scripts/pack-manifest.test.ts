import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// scripts/pack-manifest.mjs is plain JavaScript run by node; imported through a computed
// specifier and typed here.
type Manifest = Record<string, unknown>;
const packManifest: { publishedManifest(manifest: Manifest): Manifest } = await import(
  new URL('./pack-manifest.mjs', import.meta.url).href
);
const script = fileURLToPath(new URL('./pack-manifest.mjs', import.meta.url));
const packagesDir = new URL('../packages/', import.meta.url);

const workspaceManifests = readdirSync(packagesDir).map(
  (dir) =>
    JSON.parse(readFileSync(new URL(`${dir}/package.json`, packagesDir), 'utf8')) as Manifest,
);

describe('publishedManifest', () => {
  it.each(workspaceManifests.map((manifest) => [manifest.name, manifest]))(
    '%s keeps no scripts (they name files the tarball lacks), devDependencies or source condition',
    (_, manifest) => {
      const published = packManifest.publishedManifest(manifest);
      expect(manifest.scripts).toBeDefined();
      expect(published.scripts).toBeUndefined();
      expect(published.devDependencies).toBeUndefined();
      expect(JSON.stringify(published)).not.toContain('@roundhouse/source');
      expect(published.dependencies).toEqual(manifest.dependencies);
      expect(published.bin).toEqual(manifest.bin);
      expect(Object.keys(published)).toEqual(
        Object.keys(manifest).filter((key) => key !== 'scripts' && key !== 'devDependencies'),
      );
    },
  );
});

describe('npm pack through prepack and postpack', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the rewritten manifest and puts the workspace one back byte for byte', () => {
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-pack-manifest-'));
    const text = `${JSON.stringify(
      {
        name: `@roundhouse-test/pack-manifest-${process.pid}`,
        version: '1.0.0',
        type: 'module',
        exports: { '.': { '@roundhouse/source': './src/index.ts', default: './index.js' } },
        scripts: {
          prepack: `node ${JSON.stringify(script)} prepack`,
          postpack: `node ${JSON.stringify(script)} postpack`,
        },
        dependencies: { zod: '^4.0.0' },
        devDependencies: { vitest: '^5.0.0' },
      },
      null,
      4,
    )}\n`;
    writeFileSync(join(dir, 'package.json'), text);
    writeFileSync(join(dir, 'index.js'), 'export {};\n');
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--loglevel', 'error'], {
        cwd: dir,
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    const published = JSON.parse(
      execFileSync('tar', ['-xzOf', join(dir, packed?.filename ?? ''), 'package/package.json'], {
        encoding: 'utf8',
      }),
    ) as Manifest;

    expect(published.scripts).toBeUndefined();
    expect(published.devDependencies).toBeUndefined();
    expect(published.exports).toEqual({ '.': { default: './index.js' } });
    expect(published.dependencies).toEqual({ zod: '^4.0.0' });
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(text);
  });
});
