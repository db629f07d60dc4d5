import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

/**
 * The packages the controller's dist/main.js imports, in the order tsc must emit them (each
 * reads the .d.ts of those before it); the image's Dockerfile builds the same list.
 */
export const controllerPackages = [
  ['packages/core'],
  ['packages/kube'],
  ['packages/job', 'packages/tekton', 'packages/awx', 'packages/controller'],
  ['packages/pod', 'packages/workflowexecution'],
  ['examples/workflowexecution-controller'],
] as const;

/** Emits dist/ for the controller and what it imports, as `npm run build` does for each. */
export async function buildControllerDist(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const level of controllerPackages) {
    await Promise.all(
      level.map((dir) =>
        run(
          process.execPath,
          [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}${dir}/tsconfig.build.json`],
          { timeout: Math.max(1, deadline - Date.now()) },
        ),
      ),
    );
  }
}

export const controllerMain = `${root}examples/workflowexecution-controller/dist/main.js`;
