import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';

const run = promisify(execFile);

/** `npm run demo` is the README's first command; it must keep working end to end. */
describeWithControlPlane('npm run demo', () => {
  const env = useTestNamespace({ prefix: 'demo' });

  it('runs every sample execution to its expected end against a given cluster', async () => {
    // The PipelineRun API is served here, but no Tekton controller runs: the demo must notice.
    await env.installTektonCrds();
    const dir = mkdtempSync(join(tmpdir(), 'roundhouse-demo-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, env.kubeConfig.exportConfig(), { mode: 0o600 });
    try {
      const { stdout } = await run(
        'npm',
        ['run', '--silent', 'demo', '--', `--kubeconfig=${kubeconfig}`],
        {
          cwd: new URL('../..', import.meta.url).pathname,
          timeout: 200_000,
        },
      );
      expect(stdout).toContain('Every execution ended as expected.');
      expect(stdout).toContain('no Tekton controller runs here: skipping the tekton sample');
      expect(stdout).toMatch(/restart-api\s+job\s+Completed/);
      expect(stdout).toMatch(/restart-api-again\s+job\s+Failed\s+Deduplicated/);
      expect(stdout).toMatch(/drain-node\s+ansible\s+Failed\s+TaskFailed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
