import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// scripts/pack.mjs is plain JavaScript run by node; imported through a computed specifier and
// typed here.
const pack: { root: string; packageDirs(): string[] } = await import(
  new URL('./pack.mjs', import.meta.url).href
);

type Manifest = {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

const manifestOf = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(pack.root, dir, 'package.json'), 'utf8'));

describe('packageDirs', () => {
  const dirs = pack.packageDirs();

  it('holds every package under packages/', () => {
    const present = readdirSync(join(pack.root, 'packages'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `packages/${entry.name}`);
    expect([...dirs].sort()).toEqual(present.sort());
  });

  // Each prepack builds its own package only, against its dependencies' dist/: on a clean clone
  // a package packed before one it imports fails to compile (TS2307).
  it('puts every package after the Roundhouse packages it depends on', () => {
    const position = new Map(dirs.map((dir, i) => [manifestOf(dir).name, i]));
    const misplaced = dirs.flatMap((dir, i) => {
      const manifest = manifestOf(dir);
      const needs = Object.keys({
        ...manifest.dependencies,
        ...manifest.devDependencies,
        ...manifest.peerDependencies,
      }).filter((name) => position.has(name));
      return needs
        .filter((name) => (position.get(name) as number) > i)
        .map((name) => `${manifest.name} before ${name}`);
    });
    expect(misplaced).toEqual([]);
  });
});
