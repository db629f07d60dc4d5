import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BinaryBuildError, ToolchainMissingError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface BuildResult {
  dir: string;
  seconds: number;
  /** Whether anything was compiled; the script returns at once when the cache is complete. */
  built: boolean;
  /** Go's output; kept when something was built (or the build failed). */
  logPath?: string | undefined;
}

/** Exit code of the build scripts when Go is missing or older than they need. */
const toolchainMissingExit = 3;

export interface BuildScriptInput {
  /** The bash script; it prints its output directory on its last stdout line. */
  script: string;
  /** What it builds, for the error message. */
  what: string;
  env: Env;
  log?: ((line: string) => void) | undefined;
}

/**
 * Runs a build script, which returns at once when its cache is complete. Its progress lines
 * (`[testenv-build] ...`) are passed to `log`; Go's own output goes only to the build log.
 */
export async function runBuildScript(input: BuildScriptInput): Promise<BuildResult> {
  const started = Date.now();
  const logDir = await mkdtemp(join(tmpdir(), 'roundhouse-testenv-build-'));
  const logPath = join(logDir, 'build.log');
  const logFile = createWriteStream(logPath);
  const child = spawn('bash', [input.script], {
    env: input.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lastStdoutLine = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.trim()) lastStdoutLine = line.trim();
  });
  let lastProgress = '';
  let built = false;
  createInterface({ input: child.stderr }).on('line', (line) => {
    logFile.write(`${line}\n`);
    if (!line.startsWith('[testenv-build]')) return;
    lastProgress = line;
    // Before this line the script only checks preconditions; their failure becomes the error.
    if (line.includes('building into')) built = true;
    if (built) input.log?.(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  await new Promise((resolve) => logFile.end(resolve));
  if (code === toolchainMissingExit) {
    await rm(logDir, { recursive: true, force: true });
    throw new ToolchainMissingError(
      lastProgress.replace(/^\[testenv-build\]\s*/, '') || 'Go >= 1.26 is required',
    );
  }
  if (code !== 0) {
    throw new BinaryBuildError(`the ${input.what} build failed with exit code ${code}`, logPath);
  }
  const seconds = (Date.now() - started) / 1000;
  if (built) return { dir: lastStdoutLine, seconds, built, logPath };
  await rm(logDir, { recursive: true, force: true });
  return { dir: lastStdoutLine, seconds, built };
}
