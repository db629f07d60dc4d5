import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every bare import in a package's published sources (src/**\/*.ts, tests and test support
 * left out) names a package that its package.json declares in dependencies or
 * peerDependencies, so what works inside the workspace, where everything is hoisted, also works
 * in a consumer's install. node: builtins are exempt.
 */
const packagesDir = new URL('../packages/', import.meta.url);
const isTest = (file: string) => /\.test(-support)?\.ts$/.test(file) || file.endsWith('.d.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !isTest(file))
    .map((file) => join(dir, file));
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for relative and node: specifiers. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) {
    return undefined;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function bareImports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((ref) => ref.fileName);
}

describe('packageName', () => {
  it('maps specifiers to the package that provides them', () => {
    expect(packageName('@kubernetes/client-node')).toBe('@kubernetes/client-node');
    expect(packageName('@roundhouse/core/testing')).toBe('@roundhouse/core');
    expect(packageName('vitest/node')).toBe('vitest');
    expect(packageName('./x.js')).toBeUndefined();
    expect(packageName('node:fs')).toBeUndefined();
  });
});

const packageDirs = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe('each package declares what its sources import', () => {
  it('finds the packages', () => {
    expect(packageDirs).toContain('core');
  });
  for (const dir of packageDirs) {
    it(`packages/${dir}`, () => {
      const root = new URL(`${dir}/`, packagesDir);
      const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const declared = new Set([
        manifest.name,
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const undeclared: string[] = [];
      for (const file of sourceFiles(new URL('src/', root).pathname)) {
        for (const specifier of bareImports(file)) {
          const name = packageName(specifier);
          if (name === undefined || builtinModules.includes(name)) continue;
          if (!declared.has(name)) undeclared.push(`${file}: ${specifier}`);
        }
      }
      expect(undeclared, `${manifest.name} imports packages it does not declare`).toEqual([]);
    });
  }
});
