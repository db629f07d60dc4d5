import { dirname, join } from 'node:path';
import ts from 'typescript';

/** One ```ts block of a markdown file. */
export interface Snippet {
  /** The markdown file, relative to the repository root. */
  readonly doc: string;
  /** The 1-based line of the markdown file the code starts on (after the fence). */
  readonly line: number;
  readonly code: string;
  /** The file the block names on its first line (`// controller.ts: ...`), if any. */
  readonly fileName?: string;
}

/** Where a snippet's diagnostic points, in the markdown file. */
export interface SnippetProblem {
  readonly doc: string;
  readonly line: number;
  readonly message: string;
}

const openFence = /^(\s*)```(?:ts|typescript)\s*$/;
const closeFence = /^\s*```\s*$/;
const namedFile = /^\/\/ ([\w.-]+\.ts)\b/;

/** The TypeScript blocks of `markdown`, each with the line it starts on. */
export function typeScriptBlocks(doc: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = openFence.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !closeFence.test(lines[end] as string)) end += 1;
    const code = lines
      .slice(start, end)
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    const fileName = namedFile.exec(code)?.[1];
    snippets.push({ doc, line: start + 1, code, ...(fileName ? { fileName } : {}) });
    i = end;
  }
  return snippets;
}

/**
 * Each snippet becomes a virtual module beside its markdown file, so its imports resolve as a
 * reader's would there: `@roundhouse/*` through the workspace's exports (their sources, under
 * the `@roundhouse/source` condition), `./src/...` relative to an example's README. A block that
 * names its file (`// build.ts`) lives in a folder of its document's own, so the blocks of one
 * walkthrough import each other (`./build.js`); any other block is a module of its own.
 */
function virtualPath(root: string, snippet: Snippet): string {
  const docPath = join(root, snippet.doc);
  const base = snippet.doc.replaceAll(/[^\w]/g, '_');
  return snippet.fileName
    ? join(dirname(docPath), `__snippets_${base}`, snippet.fileName)
    : join(dirname(docPath), `__snippet_${base}_L${snippet.line}.ts`);
}

/**
 * Type-checks `snippets` against the workspace with the repository's compiler options (and
 * `overrides`, a reader's stricter ones), nothing written to disk. `ambient` declares the values the snippets take as given (a `kubeConfig`, a
 * `registry`), never an API name: what a reader must import, the snippet imports.
 */
export function checkSnippets(
  root: string,
  snippets: readonly Snippet[],
  ambient: string,
  overrides: ts.CompilerOptions = {},
): SnippetProblem[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = { ...config.options, ...overrides, noEmit: true };

  const files = new Map<string, { text: string; snippet?: Snippet }>();
  const ambientPath = join(root, 'test/docs/__snippet_ambient.d.ts');
  files.set(ambientPath, { text: ambient });
  for (const snippet of snippets) {
    const path = virtualPath(root, snippet);
    if (files.has(path)) throw new Error(`${snippet.doc}:${snippet.line}: ${path} twice`);
    // `export {}` makes every block a module, as a copied file is, so top-level await works.
    files.set(path, { text: `${snippet.code}\nexport {};\n`, snippet });
  }
  const dirs = new Set([...files.keys()].map((path) => dirname(path)));

  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  host.fileExists = (path) => files.has(path) || fileExists.call(host, path);
  host.readFile = (path) => files.get(path)?.text ?? readFile.call(host, path);
  host.directoryExists = (path) => dirs.has(path) || (directoryExists?.call(host, path) ?? true);
  host.getSourceFile = (path, language, onError, create) => {
    const file = files.get(path);
    return file
      ? ts.createSourceFile(path, file.text, language, true)
      : getSourceFile.call(host, path, language, onError, create);
  };

  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  // Only the snippets' own diagnostics: the packages' sources are `npm run typecheck`'s.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys()].flatMap((path) => {
      const file = program.getSourceFile(path);
      return file
        ? [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]
        : [];
    }),
  ];
  const problems: SnippetProblem[] = [];
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const path = diagnostic.file?.fileName;
    const snippet = path === undefined ? undefined : files.get(path)?.snippet;
    if (!snippet || diagnostic.file === undefined || diagnostic.start === undefined) {
      problems.push({ doc: path ?? '(program)', line: 0, message });
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    problems.push({ doc: snippet.doc, line: snippet.line + line, message });
  }
  return problems;
}
