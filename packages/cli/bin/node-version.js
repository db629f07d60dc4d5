// On Node before 22.19 the CLI crashes while loading undici (under @kubernetes/client-node) with a
// TypeError that names no version, and npm only warns (EBADENGINE) when installing there. The
// bins refuse first, saying which Node they need. Plain JavaScript that any Node can parse; the
// floor is read from this package's engines so it is written down once.
import { readFileSync } from 'node:fs';

/** The floor `[major, minor, patch]` of an engines range of the form `>=X[.Y[.Z]]`. */
export function nodeFloor(range) {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (match === null) throw new Error(`engines.node ${JSON.stringify(range)} is not >=X.Y[.Z]`);
  return match.slice(1).map((part) => Number(part ?? 0));
}

/**
 * Why Node `version` (as `process.version` spells it, `v20.20.2`) cannot run a package whose
 * engines.node is `range`, or undefined when it can.
 */
export function nodeVersionRefusal(version, range) {
  const floor = nodeFloor(range);
  // parseInt, not Number: a pre-release's patch reads `0-rc.1`.
  const actual = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10));
  for (const [i, needed] of floor.entries()) {
    if (actual[i] > needed) return undefined;
    if (actual[i] !== needed) {
      return `roundhouse needs Node >= ${range.replace(/^>=\s*/, '')} (this is ${version})`;
    }
  }
  return undefined;
}

/** This package's engines.node. */
export function enginesNode() {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return manifest.engines.node;
}
