// Packs every package (scripts/pack.mjs) and lints the tarballs as published:
// - publint --strict: exports, files and fields agree with what is in the tarball;
// - @arethetypeswrong/cli: TypeScript resolves the same files Node does, under every resolver;
// - no test or test-support file, source or compiled, is in a tarball: they import vitest, which
//   no package depends on, and are no part of any package's API.
// Usage: node scripts/check-packages.mjs [tarball directory]: checks the tarballs there (CI packs
// once with scripts/pack.mjs and reuses them for scripts/consumer-smoke.mjs); without one, packs
// afresh into a temp directory.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packedTarballs, root } from './pack.mjs';

const run = promisify(execFile);
const bin = (name) => join(root, 'node_modules', '.bin', name);

// attw models `require()` of an ES module as an error ("CJS resolves to ESM": dynamic import
// only), as it was before Node 22.12. Every Node we support (engines >= 22.19) loads ES modules
// through require(), which the `default` export condition offers; scripts/consumer-smoke.mjs
// proves require() works on Node 22 and 24. That one rule is ignored, nothing else.
const attwIgnored = ['cjs-resolves-to-esm'];

const testFile = /\.test(-support)?\.(ts|js|d\.ts)(\.map)?$/;

async function testFilesIn(tarball) {
  const { stdout } = await run('tar', ['-tzf', tarball], { encoding: 'utf8' });
  const found = stdout.split('\n').filter((path) => testFile.test(path));
  if (found.length > 0) {
    const error = new Error(`test files in the tarball:\n${found.join('\n')}`);
    throw Object.assign(error, { stdout: '', stderr: '' });
  }
  return { stdout: '' };
}

async function check(tarball) {
  const results = await Promise.allSettled([
    run(bin('publint'), ['run', tarball, '--strict'], { encoding: 'utf8' }),
    run(bin('attw'), [tarball, '--format', 'ascii', '--ignore-rules', ...attwIgnored], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    }),
    testFilesIn(tarball),
  ]);
  return results.map((result, i) => ({
    tool: ['publint', 'attw', 'no test files'][i],
    ok: result.status === 'fulfilled',
    output:
      result.status === 'fulfilled'
        ? result.value.stdout
        : `${result.reason.stdout ?? ''}${result.reason.stderr ?? ''}${result.reason.message}`,
  }));
}

const tarballs = packedTarballs(process.argv[2]);
let failed = 0;
const reports = await Promise.all(tarballs.map(async (tarball) => [tarball, await check(tarball)]));
for (const [tarball, checks] of reports) {
  for (const { tool, ok, output } of checks) {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool} ${tarball}`);
    if (!ok) {
      failed++;
      console.log(output);
    }
  }
}
if (failed > 0) {
  console.error(`check-packages: ${failed} check(s) failed`);
  process.exit(1);
}
console.log(
  `check-packages: ${tarballs.length} tarballs pass publint and attw and hold no test file`,
);
