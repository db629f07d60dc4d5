import { describe, expect, it } from 'vitest';
import {
  AgentConfigSchema,
  agentDefaults,
  JobModeConfigSchema,
  jobModeDefaults,
  leaderElectionOf,
  loadConfig,
} from './config.js';

const agent = (argv: string[], env: Record<string, string> = {}) =>
  loadConfig(AgentConfigSchema, agentDefaults, argv, env);

const limits = '--job-resource-limits=cpu=500m,memory=256Mi';
const jobs = (argv: string[], env: Record<string, string> = {}) =>
  loadConfig(JobModeConfigSchema, jobModeDefaults, [limits, ...argv], env);

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
    expect(jobs(['-image', 'alpine:3', '-workers=8'])).toMatchObject({
      image: 'alpine:3',
      workers: 8,
    });
    expect(() => agent(['-data-dir'], { NODE_NAME: 'n' })).toThrow(/-data-dir: needs a value/);
  });

  it('names the flag of every bad value', () => {
    expect(() => agent([])).toThrow(/--node-name: is required/);
    expect(() => agent(['--grace-period=soon'], { NODE_NAME: 'n' })).toThrow(/--grace-period/);
    expect(() => agent(['--poll-interval=0s'], { NODE_NAME: 'n' })).toThrow(/--poll-interval/);
    expect(() => agent(['--unknown=1'], { NODE_NAME: 'n' })).toThrow(/unknown/i);
  });

  it('reads the Job-per-node controller settings too', () => {
    expect(jobs(['--image=alpine:3'])).toMatchObject({
      executionNamespace: 'roundhouse-distexec-jobs',
      image: 'alpine:3',
      allowedImages: [],
      resync: 60_000,
      defaultTimeout: 3_600_000,
      maxTimeout: 86_400_000,
      jobResourceLimits: { cpu: '500m', memory: '256Mi' },
      jobTolerations: [],
      maxJobsPerNamespace: 500,
    });
    expect(jobs(['--max-jobs-per-namespace=0']).maxJobsPerNamespace).toBe(0);
    expect(() => jobs(['--max-jobs-per-namespace=-1'])).toThrow(/--max-jobs-per-namespace/);
    expect(jobs(['--default-timeout=10m', '--max-timeout=2h'])).toMatchObject({
      defaultTimeout: 600_000,
      maxTimeout: 7_200_000,
    });
  });

  it('elects a leader with --leader-elect, read as Go reads a bool flag, on a Lease in the execution namespace unless told another', () => {
    expect(jobs([]).leaderElect).toBe(false);
    expect(leaderElectionOf(jobs([]))).toBeUndefined();
    // Bare, one dash or two, and followed by another flag: no value is taken from it.
    expect(leaderElectionOf(jobs(['-leader-elect', '-workers', '8']))).toEqual({
      namespace: 'roundhouse-distexec-jobs',
      name: 'roundhouse-distexec-jobs',
    });
    expect(jobs(['--leader-elect=1']).leaderElect).toBe(true);
    expect(jobs(['--leader-elect=F'], { DISTEXEC_LEADER_ELECT: 'true' }).leaderElect).toBe(false);
    const fromEnv = jobs([], {
      DISTEXEC_LEADER_ELECT: 't',
      DISTEXEC_LEADER_ELECTION_NAMESPACE: 'roundhouse-distexec',
    });
    expect(leaderElectionOf(fromEnv)).toMatchObject({ namespace: 'roundhouse-distexec' });
    expect(() => jobs(['--leader-elect=maybe'])).toThrow(/--leader-elect: must be true or false/);
    // As Go takes a bool flag: its value only after `=`, so a separate one is a stray argument.
    expect(() => jobs(['--leader-elect', 'false'])).toThrow(/unexpected argument "false"/);
  });

  it('refuses to start without node Job limits, unless told they are none', () => {
    const load = (argv: string[]) => loadConfig(JobModeConfigSchema, jobModeDefaults, argv, {});
    expect(() => load([])).toThrow(
      /--job-resource-limits: is required: every node Job's container limits, such as cpu=500m,memory=256Mi; or none/,
    );
    expect(() => load(['--job-resource-limits=memory=256Mi'])).toThrow(
      /--job-resource-limits: must limit both cpu and memory/,
    );
    expect(load(['--job-resource-limits=none']).jobResourceLimits).toBe('none');
    expect(
      load(['--job-resource-limits=cpu=1,memory=1Gi,ephemeral-storage=1Gi']).jobResourceLimits,
    ).toEqual({ cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' });
  });

  it('reads --job-tolerations as kubectl writes taints, naming an entry that is none', () => {
    expect(
      jobs([
        '--job-tolerations=dedicated=gpu:NoSchedule, node.kubernetes.io/unschedulable:NoSchedule,team,*',
      ]).jobTolerations,
    ).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'team', operator: 'Exists' },
      { operator: 'Exists' },
    ]);
    expect(() => jobs(['--job-tolerations=gpu:NoRun'])).toThrow(
      /--job-tolerations: "gpu:NoRun" is no toleration: write key=value:Effect, key:Effect, key or \*/,
    );
  });

  it('reads --allowed-images as a comma-separated list, none by default', () => {
    const allowed = (argv: string[], env: Record<string, string>) => jobs(argv, env).allowedImages;
    expect(allowed(['--allowed-images=registry.example.com/*, busybox:1.37'], {})).toEqual([
      'registry.example.com/*',
      'busybox:1.37',
    ]);
    expect(allowed([], { DISTEXEC_ALLOWED_IMAGES: 'alpine:*' })).toEqual(['alpine:*']);
    expect(allowed([], {})).toEqual([]);
  });

  it('refuses an --image the job engine could not pull, at start rather than in every DistExec', () => {
    expect(() => jobs(['--image=Busybox:1'])).toThrow(/--image: must be an OCI image reference/);
  });
});
