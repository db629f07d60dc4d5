import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeObject } from '@roundhouse/kube';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
export const deployDir = `${root}examples/workflowexecution-controller/deploy`;
const buildScript = `${root}examples/workflowexecution-controller/scripts/build-kustomize.sh`;

/** Exit code of the build script when Go is missing or too old. */
const toolchainMissing = 3;

/** CI systems set CI; "false" and "0" are how people turn it off locally (as testenv reads it). */
const onCi = () => !['', 'false', '0'].includes((process.env.CI ?? '').trim().toLowerCase());

export type Rendered = { readonly objects: KubeObject[] } | { readonly unavailable: string };

/**
 * `kustomize build` of the example's deploy/, by the kustomize `kubectl apply -k` embeds,
 * built from Go modules once and cached (scripts/build-kustomize.sh). Without Go a developer
 * machine skips the tests that need it, as it skips the control plane; on CI it is a failure.
 */
export async function renderDeploy(): Promise<Rendered> {
  let binary: string;
  try {
    const { stdout } = await run('bash', [buildScript], { timeout: 600_000 });
    binary = stdout.trim().split('\n').at(-1) as string;
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    if (code === toolchainMissing && !onCi()) return { unavailable: String(stderr).trim() };
    throw error;
  }
  const { stdout } = await run(binary, ['build', deployDir], { timeout: 60_000 });
  return { objects: parseAllDocuments(stdout).map((doc) => doc.toJSON() as KubeObject) };
}
