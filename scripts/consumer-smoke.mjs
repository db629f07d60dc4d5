// A consumer's view of the published packages: installs the tarballs (scripts/pack.mjs) into a
// fresh project outside the repository, with the peer @kubernetes/client-node and without
// vitest, then loads every public entry point with `import` and with `require` under the lowest
// supported Node (22.19, the engines floor, from the npm package `node`) and under Node 24 (the
// pinned one that runs this script through npm). Also checks each installed package ships a
// LICENSE and CHANGELOG, no development-only export condition and no README link into the
// repository's tree, and that the CLI's bin starts.
// Usage: npm run smoke [-- tarball directory]; without one, packs every package first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packedTarballs, root } from './pack.mjs';

const lowestNode = '22.19.0';
const rootLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const kubeClientVersion = rootLock.packages['node_modules/@kubernetes/client-node'].version;

/** Public entry points and a few names each must export. */
const entries = {
  '@roundhouse/core': ['Registry', 'executionResourceName'],
  '@roundhouse/core/testing': ['MemoryExecutor', 'sampleExecution'],
  '@roundhouse/kube': [],
  '@roundhouse/kube/testing': ['MemoryKubeClient', 'UnsupportedByMemoryKubeClient'],
  '@roundhouse/testenv': [],
  '@roundhouse/job': [],
  '@roundhouse/tekton': [],
  '@roundhouse/pod': [],
  '@roundhouse/awx-simulator': [],
  '@roundhouse/awx': [],
  '@roundhouse/process': [],
  '@roundhouse/controller': [],
  '@roundhouse/workflowexecution': [],
  '@roundhouse/cli': [],
};
// Not loaded: @roundhouse/core/testing/conformance and @roundhouse/testenv/vitest, global-setup
// need vitest, an optional peer a consumer installs to use them.

function sh(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', ...options });
}

/** A Node 22.19 binary from the npm package `node`, installed once into ~/.cache/roundhouse. */
function lowestNodeBinary() {
  const prefix = join(homedir(), '.cache', 'roundhouse', `node-${lowestNode}`);
  const bin = join(prefix, 'node_modules', '.bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    sh('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--prefix',
      prefix,
      `node@${lowestNode}`,
    ]);
  }
  const version = sh(bin, ['--version']).trim();
  if (version !== `v${lowestNode}`) throw new Error(`${bin} is ${version}, not v${lowestNode}`);
  return bin;
}

const tarballs = packedTarballs(process.argv[2]);
const project = mkdtempSync(join(tmpdir(), 'roundhouse-consumer-'));
const byName = Object.fromEntries(
  tarballs.map((tarball) => {
    const name = `@roundhouse/${/^roundhouse-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(basename(tarball))[1]}`;
    return [name, `file:${tarball}`];
  }),
);
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify(
    {
      name: 'roundhouse-consumer',
      private: true,
      dependencies: { ...byName, '@kubernetes/client-node': `^${kubeClientVersion}` },
      // Internal ranges (^0.1.0) resolve to these tarballs, never to the registry.
      overrides: byName,
    },
    null,
    2,
  ),
);
console.log(`consumer project: ${project}`);
sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: project });

const problems = [];
for (const name of Object.keys(byName)) {
  const dir = join(project, 'node_modules', name);
  const manifest = readFileSync(join(dir, 'package.json'), 'utf8');
  if (manifest.includes('@roundhouse/source')) problems.push(`${name}: source condition published`);
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md']) {
    if (!existsSync(join(dir, file))) problems.push(`${name}: no ${file}`);
  }
  if (readFileSync(join(dir, 'README.md'), 'utf8').includes('](../')) {
    problems.push(`${name}: README links outside the package`);
  }
}
if (existsSync(join(project, 'node_modules', 'vitest'))) problems.push('vitest got installed');

const checks = JSON.stringify(entries);
const verify = `
  const failures = [];
  for (const [specifier, names] of Object.entries(${checks})) {
    try {
      const module = await load(specifier);
      if (Object.keys(module).length === 0) failures.push(specifier + ': no exports');
      for (const name of names) if (!(name in module)) failures.push(specifier + ': no ' + name);
    } catch (error) {
      failures.push(specifier + ': ' + (error.code ?? '') + ' ' + error.message.split('\\n')[0]);
    }
  }
  if (failures.length) { console.error(failures.join('\\n')); process.exit(1); }
  console.log(MODE + ' on ' + process.version + ': ' + Object.keys(${checks}).length + ' entry points');
`;
writeFileSync(
  join(project, 'esm.mjs'),
  `const MODE = 'import'; const load = (s) => import(s);\n${verify}`,
);
writeFileSync(
  join(project, 'cjs.cjs'),
  `const MODE = 'require'; const load = async (s) => require(s);\n(async () => {${verify}})();`,
);

for (const node of [lowestNodeBinary(), process.execPath]) {
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    try {
      console.log(
        sh(node, ['--disable-warning=ExperimentalWarning', file], { cwd: project }).trim(),
      );
    } catch (error) {
      problems.push(`${file} on ${node}:\n${error.stdout}${error.stderr}`);
    }
  }
  try {
    sh(
      node,
      [
        join(project, 'node_modules', '@roundhouse', 'cli', 'bin', 'kubectl-roundhouse.js'),
        '--help',
      ],
      {
        cwd: project,
      },
    );
    console.log(`kubectl-roundhouse --help on ${sh(node, ['--version']).trim()}: ok`);
  } catch (error) {
    problems.push(`kubectl-roundhouse --help on ${node}:\n${error.stdout}${error.stderr}`);
  }
}

if (problems.length > 0) {
  console.error(`consumer smoke test failed:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`consumer smoke test passed (${tarballs.length} packages)`);
