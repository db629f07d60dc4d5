import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bin/ is plain JavaScript (it must parse on any Node to refuse an old one), so it is imported
// through a computed specifier and typed here.
const nodeVersion: {
  nodeFloor(range: string): number[];
  nodeVersionRefusal(version: string, range: string): string | undefined;
  enginesNode(): string;
} = await import(new URL('../bin/node-version.js', import.meta.url).href);

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
  bin: Record<string, string>;
};

describe('nodeVersionRefusal', () => {
  it('refuses a Node below the floor, naming both versions', () => {
    expect(nodeVersion.nodeVersionRefusal('v20.20.2', '>=22.19')).toBe(
      'roundhouse needs Node >= 22.19 (this is v20.20.2)',
    );
    expect(nodeVersion.nodeVersionRefusal('v22.18.9', '>=22.19')).toBeDefined();
    expect(nodeVersion.nodeVersionRefusal('v21.99.0', '>=22.19')).toBeDefined();
    expect(nodeVersion.nodeVersionRefusal('v22.19.0', '>=22.19.1')).toBeDefined();
  });

  it('accepts the floor and anything above it', () => {
    for (const version of ['v22.19.0', 'v22.20.0', 'v23.0.0', 'v24.21.0', 'v25.0.0-rc.1']) {
      expect(nodeVersion.nodeVersionRefusal(version, '>=22.19'), version).toBeUndefined();
    }
  });

  it('reads the floor from engines of the forms >=X, >=X.Y and >=X.Y.Z only', () => {
    expect(nodeVersion.nodeFloor('>=22')).toEqual([22, 0, 0]);
    expect(nodeVersion.nodeFloor('>= 22.19')).toEqual([22, 19, 0]);
    expect(nodeVersion.nodeFloor('>=22.19.3')).toEqual([22, 19, 3]);
    expect(() => nodeVersion.nodeFloor('^22.19 || >=24')).toThrow(/not >=X.Y/);
  });

  it("takes the package's own engines.node, which it can parse", () => {
    expect(nodeVersion.enginesNode()).toBe(manifest.engines.node);
    expect(() => nodeVersion.nodeFloor(manifest.engines.node)).not.toThrow();
  });
});

/** The first `node` on PATH older than engines.node (a system Node 20, say), if any. */
function olderNode(): string | undefined {
  const found = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n');
  return found.find((path) => {
    if (path === '') return false;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    return nodeVersion.nodeVersionRefusal(version, manifest.engines.node) !== undefined;
  });
}

describe('the bins under an older Node', () => {
  const node = olderNode();
  const bins = [...new Set(Object.values(manifest.bin))];
  it.skipIf(node === undefined).each(bins)('%s exits 2 saying which Node it needs', (bin) => {
    const run = spawnSync(
      node as string,
      [fileURLToPath(new URL(`../${bin}`, import.meta.url)), '--help'],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^roundhouse needs Node >= \d+\.\d+ \(this is v\d+\.\d+\.\d+\)\n$/);
    expect(run.stdout).toBe('');
  });
});
