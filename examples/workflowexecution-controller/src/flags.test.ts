import { readFileSync } from 'node:fs';
import { flagName } from '@roundhouse/controller';
import { describe, expect, it } from 'vitest';
import { helpText, settings } from './flags.js';

describe('helpText', () => {
  const text = helpText('workflowexecution-controller');

  it('lists every flag with its default', () => {
    for (const key of Object.keys(settings)) expect(text).toContain(`--${flagName(key)}`);
    expect(text).toMatch(/--engines=LIST\s+.*\(default job\)/);
    expect(text).toMatch(/--leader-elect\s+.*\(default false\)/);
    expect(text).toMatch(
      /--execution-namespace=NAMESPACE\s+.*default roundhouse-workflows; kubernaut-workflows with --conventions kubernaut/,
    );
    expect(text).toMatch(
      /--events=outcome\|lifecycle\s+.*default outcome; lifecycle with --conventions kubernaut/,
    );
    expect(text).toContain('ROUNDHOUSE_COOLDOWN');
  });

  it("warns that the pod engine's steps, the author's own scripts, read what it mounts", () => {
    for (const flag of ['--pod-mount-dependencies', '--pod-service-account-token'])
      expect(text).toMatch(
        new RegExp(
          `${flag}\\s+.*author's own scripts: every author of a watched namespace.*\\(default false\\)`,
        ),
      );
  });

  it("says who reads a failed AWX job's output once --awx-stdout-tail-bytes puts it in the status", () => {
    expect(text).toMatch(
      /--awx-stdout-tail-bytes=BYTES\s+.*every reader of the execution.*only to users who may read the job.*\(default 0\)/,
    );
    expect(text).toMatch(/--awx-allowed-job-templates=LIST\s+.*\* for every one.*none by default/);
  });
});

describe('README.md', () => {
  it('documents every flag', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(settings).filter(
      (key) => !readme.includes(`\`--${flagName(key)}\``),
    );
    expect(missing).toEqual([]);
  });
});
