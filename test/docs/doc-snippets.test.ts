import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkSnippets,
  type Snippet,
  type SnippetProblem,
  typeScriptBlocks,
} from './doc-snippets.js';

/**
 * Readers copy the TypeScript of the README, docs/ and the package and example READMEs: every
 * block must type-check against the packages as they are now, importing only what a package
 * exports, with the option names and argument shapes its API takes. A block that names its file
 * on its first line (`// build.ts`) can be imported by the blocks after it (`./build.js`).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Values the blocks take as given; every API name they use, they import. */
const ambient = `
declare const kubeConfig: import('@kubernetes/client-node').KubeConfig;
declare const client: import('@roundhouse/kube').KubeClient;
declare const registry: import('@roundhouse/core').Registry;
declare const jobExecutor: import('@roundhouse/core').Executor;
declare const tektonExecutor: import('@roundhouse/core').Executor;
declare const wfe: import('@roundhouse/core').WorkflowExecution;
declare const object: unknown;
declare const dependencies: import('@roundhouse/core').Dependencies;
declare const controller: import('@roundhouse/controller').Controller;
declare const elector: import('@roundhouse/controller').LeaderElector;
declare const env: import('@roundhouse/testenv/vitest').TestNamespace;
declare const signal: AbortSignal;
declare const name: string;
declare const token: string;
declare const privateCaPem: string;
`;

function documents(): string[] {
  const readmes = (dir: string) =>
    readdirSync(`${root}${dir}`, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${dir}/${entry.name}/README.md`)
      .filter((file) => existsSync(`${root}${file}`));
  const docs = readdirSync(`${root}docs`, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`);
  return ['README.md', ...docs, ...readmes('packages'), ...readmes('examples')].sort();
}

/** A document written wrong on purpose, so the check is seen to fail. */
const brokenDoc = 'test/docs/broken.md';
const broken = [
  '# Broken',
  '',
  '```ts',
  "import { KubeClient, notExported } from '@roundhouse/kube';",
  '',
  "const c = new KubeClient(kubeConfig, { fieldManagr: 'x' });",
  '```',
  '',
].join('\n');

const format = ({ doc, line, message }: SnippetProblem) => `${doc}:${line}: ${message}`;

describe('the TypeScript in the documentation', () => {
  const checked = documents();
  const snippets: Snippet[] = checked.flatMap((doc) =>
    typeScriptBlocks(doc, readFileSync(`${root}${doc}`, 'utf8')),
  );
  let problems: SnippetProblem[] = [];

  beforeAll(() => {
    // One program for the documents and the broken one: the packages are checked once.
    problems = checkSnippets(root, [...snippets, ...typeScriptBlocks(brokenDoc, broken)], ambient);
  });

  it('finds the blocks of every document', () => {
    expect(checked).toContain('docs/getting-started.md');
    expect(checked).toContain('packages/controller/README.md');
    expect(snippets.length).toBeGreaterThan(30);
  });

  it('type-checks every block against the packages as they are', () => {
    expect(problems.filter((p) => p.doc !== brokenDoc).map(format)).toEqual([]);
  });

  it('reports a name a package does not export and an option it does not take, at their lines', () => {
    const found = problems.filter((p) => p.doc === brokenDoc);
    expect(found.map((p) => p.line)).toEqual([4, 6]);
    expect(found[0]?.message).toContain('notExported');
    expect(found[1]?.message).toContain('fieldManagr');
  });
});

describe('the getting-started guide under a reader stricter than the repository', () => {
  it('type-checks with exactOptionalPropertyTypes on, as many projects set it', () => {
    const doc = 'docs/getting-started.md';
    const snippets = typeScriptBlocks(doc, readFileSync(`${root}${doc}`, 'utf8'));
    expect(snippets.length).toBeGreaterThan(3);
    const problems = checkSnippets(root, snippets, ambient, { exactOptionalPropertyTypes: true });
    expect(problems.map(format)).toEqual([]);
  });
});
