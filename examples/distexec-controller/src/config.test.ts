import { describe, expect, it } from 'vitest';
import {
  AgentConfigSchema,
  agentDefaults,
  JobModeConfigSchema,
  jobModeDefaults,
  loadConfig,
} from './config.js';

const agent = (argv: string[], env: Record<string, string> = {}) =>
  loadConfig(AgentConfigSchema, agentDefaults, argv, env);

describe('loadConfig', () => {
  it('takes NODE_NAME from the downward API variable, and defaults for the rest', () => {
    expect(agent([], { NODE_NAME: 'worker-1' })).toEqual({
      nodeName: 'worker-1',
      dataDir: '/var/lib/roundhouse/distexec',
      workers: 4,
      healthPort: 8080,
      logLevel: 'info',
      pollInterval: 1_000,
      gracePeriod: 10_000,
      outputLimitBytes: 1_024,
    });
  });

  it('prefers flags over DISTEXEC_* variables over defaults', () => {
    const config = agent(['--poll-interval=200ms', '--node-name=flag'], {
      NODE_NAME: 'env',
      DISTEXEC_POLL_INTERVAL: '5s',
      DISTEXEC_OUTPUT_LIMIT_BYTES: '64',
      KUBECONFIG: '/k',
    });
    expect(config).toMatchObject({
      nodeName: 'flag',
      pollInterval: 200,
      outputLimitBytes: 64,
      kubeconfig: '/k',
    });
  });

  it("reads flags as Go's flag package does, as dist-exec's were", () => {
    expect(
      loadConfig(JobModeConfigSchema, jobModeDefaults, ['-image', 'alpine:3', '-workers=8'], {}),
    ).toMatchObject({ image: 'alpine:3', workers: 8 });
    expect(() => agent(['-data-dir'], { NODE_NAME: 'n' })).toThrow(/-data-dir: needs a value/);
  });

  it('names the flag of every bad value', () => {
    expect(() => agent([])).toThrow(/--node-name: is required/);
    expect(() => agent(['--grace-period=soon'], { NODE_NAME: 'n' })).toThrow(/--grace-period/);
    expect(() => agent(['--poll-interval=0s'], { NODE_NAME: 'n' })).toThrow(/--poll-interval/);
    expect(() => agent(['--unknown=1'], { NODE_NAME: 'n' })).toThrow(/unknown/i);
  });

  it('reads the Job-per-node controller settings too', () => {
    const config = loadConfig(JobModeConfigSchema, jobModeDefaults, ['--image=alpine:3'], {});
    expect(config).toMatchObject({
      executionNamespace: 'roundhouse-distexec-jobs',
      image: 'alpine:3',
      allowedImages: [],
      resync: 60_000,
      defaultTimeout: 3_600_000,
      maxTimeout: 86_400_000,
    });
    expect(
      loadConfig(
        JobModeConfigSchema,
        jobModeDefaults,
        ['--default-timeout=10m', '--max-timeout=2h'],
        {},
      ),
    ).toMatchObject({ defaultTimeout: 600_000, maxTimeout: 7_200_000 });
    expect(config.jobResourceLimits).toBeUndefined();
    expect(
      loadConfig(
        JobModeConfigSchema,
        jobModeDefaults,
        ['--job-resource-limits=cpu=1,memory=256Mi'],
        {},
      ).jobResourceLimits,
    ).toEqual({ cpu: '1', memory: '256Mi' });
  });

  it('reads --allowed-images as a comma-separated list, none by default', () => {
    const jobs = (argv: string[], env: Record<string, string>) =>
      loadConfig(JobModeConfigSchema, jobModeDefaults, argv, env).allowedImages;
    expect(jobs(['--allowed-images=registry.example.com/*, busybox:1.37'], {})).toEqual([
      'registry.example.com/*',
      'busybox:1.37',
    ]);
    expect(jobs([], { DISTEXEC_ALLOWED_IMAGES: 'alpine:*' })).toEqual(['alpine:*']);
    expect(jobs([], {})).toEqual([]);
  });

  it('refuses an --image the job engine could not pull, at start rather than in every DistExec', () => {
    expect(() =>
      loadConfig(JobModeConfigSchema, jobModeDefaults, ['--image=Busybox:1'], {}),
    ).toThrow(/--image: must be an OCI image reference/);
  });
});
