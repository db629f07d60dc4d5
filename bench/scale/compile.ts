import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Under node_modules, so the compiled files find the repository's npm dependencies. */
const outRoot = join(repoRoot, 'node_modules/.cache/roundhouse-bench');

/** Every file is transpiled alone: the sources are written for it (isolatedModules). */
const options: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  verbatimModuleSyntax: true,
};

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

async function transpile(file: string, to: string): Promise<void> {
  const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
    compilerOptions: options,
    fileName: file,
  });
  await mkdir(dirname(to), { recursive: true });
  await writeFile(to, outputText);
}

export interface CompiledController {
  readonly main: string;
  /** bench/scale/probe.ts, compiled, for `--import`. */
  readonly probe: string;
}

type Exports = Record<string, string | Record<string, string>>;

/** The package's source entry points, now pointing at the compiled files. */
function compiledExports(exports: Exports | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(exports ?? {})) {
    const source = typeof target === 'object' ? target['@roundhouse/source'] : undefined;
    if (source?.endsWith('.ts')) out[subpath] = source.replace(/\.ts$/, '.js');
  }
  return out;
}

/**
 * Compiles every workspace and the bench's probe to JavaScript as a build would (without type
 * checking, so a tree another engineer is halfway through editing still runs), so the
 * controller runs as deployed: plain `node main.js`, no TypeScript loader in its memory (tsx
 * adds about 45 MiB of RSS). Returns the paths of the controller's main and the probe.
 */
export async function compileController(): Promise<CompiledController> {
  await rm(outRoot, { recursive: true, force: true });
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  for (const workspace of root.workspaces) {
    const dir = join(repoRoot, workspace);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      exports?: Exports;
    };
    for (const file of await sources(join(dir, 'src')))
      await transpile(file, join(outRoot, relative(repoRoot, file)).replace(/\.ts$/, '.js'));
    const compiled = {
      name: manifest.name,
      type: 'module',
      exports: compiledExports(manifest.exports),
    };
    await writeFile(join(outRoot, workspace, 'package.json'), JSON.stringify(compiled));
    const link = join(outRoot, 'node_modules', manifest.name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(outRoot, workspace), link, 'dir');
  }
  const probe = join(outRoot, 'bench/probe.js');
  // Its imports are Node's and types only: it must not add the bench's modules to the controller.
  await transpile(fileURLToPath(new URL('./probe.ts', import.meta.url)), probe);
  await writeFile(join(outRoot, 'package.json'), JSON.stringify({ type: 'module' }));
  return {
    main: join(outRoot, 'examples/workflowexecution-controller/src/main.js'),
    probe,
  };
}
