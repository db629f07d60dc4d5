import { readFileSync } from 'node:fs';
import { roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { JobModeConfigSchema, jobModeDefaults, loadConfig } from '../config.js';

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  automountServiceAccountToken?: boolean;
  spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } };
}

const manifests = parseAllDocuments(
  readFileSync(new URL('../../deploy/job-mode.yaml', import.meta.url), 'utf8'),
).map((doc) => doc.toJSON() as Manifest);

describe('deploy/job-mode.yaml', () => {
  const args = manifests
    .filter((m) => m.kind === 'Deployment')
    .flatMap((m) => m.spec?.template?.spec?.containers ?? [])
    .flatMap((c) => c.args ?? []);

  it('starts the controller with resource limits for every node Job, and no tolerations', () => {
    const config = loadConfig(JobModeConfigSchema, jobModeDefaults, args, {});
    expect(config.jobResourceLimits).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(config.jobTolerations).toEqual([]);
  });

  it('creates the ServiceAccount node Jobs run as, in the execution namespace, without a token', () => {
    const namespace = args
      .find((a) => a.startsWith('--execution-namespace='))
      ?.slice('--execution-namespace='.length);
    expect(namespace).toBe('roundhouse-distexec-jobs');
    // The API server's ServiceAccount admission refuses a pod whose ServiceAccount is missing,
    // so without it no node Job ever gets a pod.
    const runner = manifests.find(
      (m) =>
        m.kind === 'ServiceAccount' &&
        m.metadata.namespace === namespace &&
        m.metadata.name === roundhouseConventions.defaultServiceAccountName,
    );
    expect(runner).toBeDefined();
    // Commands are the DistExec author's: they get no API credentials.
    expect(runner?.automountServiceAccountToken).toBe(false);
  });
});
