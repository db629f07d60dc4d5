// The published package runs its build. Inside the Roundhouse repository, where packages are
// not built, it runs the TypeScript sources through tsx under the source condition, so
// `npx roundhouse` works straight after `npm install`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { enginesNode, nodeVersionRefusal } from './node-version.js';

/**
 * Runs the entry point `entry` (`main`, `task-main`) of the build, else of the sources; on a Node
 * older than engines.node, prints why and exits 2 instead.
 */
export async function launch(entry) {
  const refusal = nodeVersionRefusal(process.version, enginesNode());
  if (refusal !== undefined) {
    console.error(refusal);
    process.exitCode = 2;
    return;
  }
  const built = new URL(`../dist/${entry}.js`, import.meta.url);
  if (existsSync(built)) {
    await import(built.href);
    return;
  }
  const child = spawn(
    process.execPath,
    [
      '--conditions=@roundhouse/source',
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL(`../src/${entry}.ts`, import.meta.url)),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to this
  // process alone is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 : 1);
  });
}
