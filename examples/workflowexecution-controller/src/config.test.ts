import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  awxOperationTimeoutMs,
  type Config,
  conventionsOf,
  cooldownMs,
  launchCommitWindowMs,
  leaseTimings,
  parseCommandLine,
  reconcileTimeoutMs,
} from './config.js';

function configOf(argv: string[], env: Record<string, string> = {}): Config {
  const line = parseCommandLine(argv, env);
  if (line.help) throw new Error('asked for help');
  return line.config;
}

function issuesOf(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    parseCommandLine(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('no error');
}

describe('parseCommandLine', () => {
  it('starts with the job engine alone when given nothing', () => {
    const config = configOf([]);
    expect(config).toMatchObject({
      engines: ['job'],
      executionNamespace: 'roundhouse-workflows',
      cooldown: '5m',
      lockPolicy: 'fail',
      conventions: 'roundhouse',
      workers: 4,
      leaderElect: false,
      logLevel: 'info',
      allowedBundles: [],
    });
    expect(cooldownMs(config)).toBe(300_000);
    expect(launchCommitWindowMs(config)).toBe(300_000);
  });

  // kubernaut config_test.go "should fail with clear error for empty execution namespace",
  // coverage_668_test.go "returns default config when path is empty" (kubernaut-workflows).
  it("--conventions kubernaut picks kubernaut's execution namespace and runner unless told otherwise", () => {
    const kubernaut = configOf(['--conventions=kubernaut']);
    expect(kubernaut.executionNamespace).toBe('kubernaut-workflows');
    expect(conventionsOf(kubernaut).defaultServiceAccountName).toBe('kubernaut-workflow-runner');
    expect(configOf([], { ROUNDHOUSE_CONVENTIONS: 'kubernaut' }).executionNamespace).toBe(
      'kubernaut-workflows',
    );
    expect(
      configOf(['--conventions=kubernaut', '--execution-namespace=runs']).executionNamespace,
    ).toBe('runs');
    expect(
      configOf(['--conventions=kubernaut'], { ROUNDHOUSE_EXECUTION_NAMESPACE: 'runs' })
        .executionNamespace,
    ).toBe('runs');
    const roundhouse = configOf([]);
    expect(conventionsOf(roundhouse).defaultServiceAccountName).toBe('roundhouse-workflow-runner');
    expect(issuesOf(['--execution-namespace='])).toEqual([
      expect.stringMatching(/^--execution-namespace: /),
    ]);
  });

  it("--conventions kubernaut records kubernaut's Events at every step unless --events says otherwise", () => {
    expect(configOf([]).events).toBe('outcome');
    expect(configOf(['--conventions=kubernaut']).events).toBe('lifecycle');
    expect(configOf(['--conventions=kubernaut', '--events=outcome']).events).toBe('outcome');
    expect(configOf(['--events=lifecycle']).events).toBe('lifecycle');
    expect(configOf(['--conventions=kubernaut'], { ROUNDHOUSE_EVENTS: 'outcome' }).events).toBe(
      'outcome',
    );
    expect(issuesOf(['--events=all'])).toEqual([expect.stringMatching(/^--events: /)]);
  });

  it("--conventions kubernaut serves kubernaut's API group unless --api-group says otherwise", () => {
    expect(configOf([]).apiGroup).toBe('roundhouse.dev');
    expect(configOf(['--conventions=kubernaut']).apiGroup).toBe('kubernaut.ai');
    expect(configOf(['--conventions=kubernaut', '--api-group=roundhouse.dev']).apiGroup).toBe(
      'roundhouse.dev',
    );
    expect(configOf([], { ROUNDHOUSE_API_GROUP: 'kubernaut.ai' }).apiGroup).toBe('kubernaut.ai');
    expect(issuesOf(['--api-group=kubernaut'])).toEqual([expect.stringMatching(/^--api-group: /)]);
  });

  it('takes the AWX launch commit window as a Go duration', () => {
    expect(launchCommitWindowMs(configOf(['--awx-launch-commit-window=90s']))).toBe(90_000);
    expect(issuesOf(['--awx-launch-commit-window=soon'])).toEqual([
      '--awx-launch-commit-window: must be a Go duration such as "5m"',
    ]);
  });

  it('takes the reconcile and AWX operation bounds as Go durations, the AWX one above zero', () => {
    expect(reconcileTimeoutMs(configOf([]))).toBe(600_000);
    expect(reconcileTimeoutMs(configOf(['--reconcile-timeout=0s']))).toBe(0);
    expect(awxOperationTimeoutMs(configOf([]))).toBe(120_000);
    expect(awxOperationTimeoutMs(configOf(['--awx-operation-timeout=30s']))).toBe(30_000);
    expect(issuesOf(['--awx-operation-timeout=0s'])).toEqual([
      '--awx-operation-timeout: must be a Go duration above zero such as "2m"',
    ]);
  });

  it('refuses a default deadline past --max-timeout or of zero, which would let an execution that names no timeout outrun the ceiling or fail at once', () => {
    expect(issuesOf(['--default-timeout=48h'])).toEqual([
      '--default-timeout: must be at most --max-timeout (24h): an execution that sets no timeout runs this long, and none may ask for more than the ceiling; lower it or raise --max-timeout',
    ]);
    expect(issuesOf(['--default-timeout=0s', '--max-timeout=0h'])).toEqual([
      '--default-timeout: must be a Go duration above zero such as "2m"',
      '--max-timeout: must be a Go duration above zero such as "2m"',
    ]);
    expect(configOf(['--default-timeout=2h', '--max-timeout=2h'])).toMatchObject({
      defaultTimeout: '2h',
      maxTimeout: '2h',
    });
  });

  it('takes the AWX job templates executions may launch as a list, none until listed, as bundles', () => {
    expect(
      configOf(['--awx-allowed-job-templates=restart-*, deploy']).awxAllowedJobTemplates,
    ).toEqual(['restart-*', 'deploy']);
    expect(configOf(['--awx-allowed-job-templates=*']).awxAllowedJobTemplates).toEqual(['*']);
    expect(configOf([]).awxAllowedJobTemplates).toEqual([]);
    expect(configOf([]).allowedBundles).toEqual([]);
  });

  it("keeps a failed AWX job's output out of the status unless --awx-stdout-tail-bytes asks for it", () => {
    expect(configOf([]).awxStdoutTailBytes).toBe(0);
    expect(configOf(['--awx-stdout-tail-bytes=4096']).awxStdoutTailBytes).toBe(4_096);
    expect(configOf([], { ROUNDHOUSE_AWX_STDOUT_TAIL_BYTES: '512' }).awxStdoutTailBytes).toBe(512);
    expect(issuesOf(['--awx-stdout-tail-bytes=16385'])).toEqual([
      expect.stringMatching(/^--awx-stdout-tail-bytes: /),
    ]);
    expect(issuesOf(['--awx-stdout-tail-bytes=-1'])).toEqual([
      expect.stringMatching(/^--awx-stdout-tail-bytes: /),
    ]);
  });

  it("takes the Job container's resource limits as name=quantity pairs, refusing a bad quantity", () => {
    expect(configOf(['--job-resource-limits=cpu=2, memory=1Gi']).jobResourceLimits).toEqual({
      cpu: '2',
      memory: '1Gi',
    });
    expect(configOf([]).jobResourceLimits).toBeUndefined();
    expect(issuesOf(['--job-resource-limits=memory=lots'])).toEqual([
      expect.stringMatching(/^--job-resource-limits: .*quantity/),
    ]);
  });

  it("takes the pod engine's allowed images and Pod limits, none by default", () => {
    const config = configOf([
      '--engines=job,pod',
      '--allowed-images=registry.example.com/tools/*, alpine:*',
      '--pod-resource-limits=cpu=1,memory=512Mi',
    ]);
    expect(config).toMatchObject({
      engines: ['job', 'pod'],
      allowedImages: ['registry.example.com/tools/*', 'alpine:*'],
      podResourceLimits: { cpu: '1', memory: '512Mi' },
    });
    expect(configOf(['--engines=pod'])).toMatchObject({
      allowedImages: [],
      podMountDependencies: false,
      podServiceAccountToken: false,
    });
    expect(
      configOf(['--pod-mount-dependencies'], { ROUNDHOUSE_POD_SERVICE_ACCOUNT_TOKEN: 'true' }),
    ).toMatchObject({ podMountDependencies: true, podServiceAccountToken: true });
    expect(configOf([]).podResourceLimits).toBeUndefined();
    expect(issuesOf(['--pod-resource-limits=cpu=fast'])).toEqual([
      expect.stringMatching(/^--pod-resource-limits: .*quantity/),
    ]);
  });

  it('prefers flags over environment over defaults, and reads KUBECONFIG', () => {
    const config = configOf(['--cooldown=30s'], {
      ROUNDHOUSE_COOLDOWN: '1m',
      ROUNDHOUSE_ENGINES: 'job,tekton',
      ROUNDHOUSE_LOCK_POLICY: 'wait',
      KUBECONFIG: '/tmp/kc',
    });
    expect(config.cooldown).toBe('30s');
    expect(config.engines).toEqual(['job', 'tekton']);
    expect(config.lockPolicy).toBe('wait');
    expect(config.kubeconfig).toBe('/tmp/kc');
    expect(configOf(['--kubeconfig=/etc/kc'], { KUBECONFIG: '/tmp/kc' }).kubeconfig).toBe(
      '/etc/kc',
    );
  });

  it('takes boolean flags bare or with a value, and a value as a separate argument', () => {
    expect(configOf(['--leader-elect']).leaderElect).toBe(true);
    expect(configOf(['--leader-elect=true', '--require-digest']).requireDigest).toBe(true);
    expect(configOf(['--leader-elect=false']).leaderElect).toBe(false);
    expect(configOf(['--leader-elect'], { ROUNDHOUSE_LEADER_ELECT: 'false' }).leaderElect).toBe(
      true,
    );
    expect(configOf(['--cooldown', '10s']).cooldown).toBe('10s');
    expect(issuesOf(['--leader-elect=maybe'])).toEqual(['--leader-elect: must be true or false']);
  });

  it('refuses an empty Lease namespace, which no replica could ever lead on', () => {
    expect(issuesOf(['--leader-elect', '--leader-election-namespace='])).toEqual([
      expect.stringMatching(/^--leader-election-namespace: /),
    ]);
    expect(issuesOf(['--leader-elect'], { ROUNDHOUSE_LEADER_ELECTION_NAMESPACE: '' })).toEqual([
      expect.stringMatching(/^--leader-election-namespace: /),
    ]);
    expect(
      configOf(['--leader-elect', '--leader-election-namespace=leases']).leaderElectionNamespace,
    ).toBe('leases');
  });

  it("takes the lease timings as kube-controller-manager's Go durations, client-go's by default", () => {
    expect(leaseTimings(configOf(['--leader-elect']))).toEqual({
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    });
    expect(
      leaseTimings(
        configOf([
          '--leader-elect-lease-duration=4s',
          '--leader-elect-renew-deadline=2500ms',
          '--leader-elect-retry-period=500ms',
        ]),
      ),
    ).toEqual({ leaseDurationSeconds: 4, renewDeadlineSeconds: 2.5, retryPeriodSeconds: 0.5 });
    expect(
      leaseTimings(configOf([], { ROUNDHOUSE_LEADER_ELECT_LEASE_DURATION: '1m' }))
        .leaseDurationSeconds,
    ).toBe(60);
  });

  it('refuses lease timings under which two replicas could lead at once, naming the flag', () => {
    expect(issuesOf(['--leader-elect-lease-duration=soon'])).toEqual([
      '--leader-elect-lease-duration: must be a Go duration such as "5m"',
    ]);
    // A renew deadline as long as the lease: a standby takes over while the leader still renews.
    expect(issuesOf(['--leader-elect-lease-duration=10s'])).toEqual([
      '--leader-elect-renew-deadline: must be less than --leader-elect-lease-duration (10s)',
    ]);
    expect(
      issuesOf(['--leader-elect-renew-deadline=2s', '--leader-elect-lease-duration=4s']),
    ).toEqual([
      '--leader-elect-retry-period: must be more than 0, and 1.2 times it less than --leader-elect-renew-deadline (2s)',
    ]);
    expect(issuesOf(['--leader-elect-retry-period=0'])).toEqual([
      expect.stringMatching(/^--leader-elect-retry-period: must be more than 0/),
    ]);
    // The Lease keeps whole seconds: 1500ms would be stored as something else.
    expect(issuesOf(['--leader-elect-lease-duration=15500ms'])).toEqual([
      '--leader-elect-lease-duration: must be a whole number of seconds, at least 1s',
    ]);
  });

  // kubernaut pkg/workflowexecution/config_test.go "should fail with clear error for negative
  // cooldown period" (its default 5m, "should accept valid custom cooldown period"); its zero
  // cooldown is refused too, ours is no cooldown (docs/conventions.md, "cooldown of 0").
  it('refuses a negative --cooldown, naming it, and takes 0 as no cooldown', () => {
    expect(cooldownMs(configOf(['--conventions=kubernaut']))).toBe(300_000);
    expect(cooldownMs(configOf(['--cooldown=10m']))).toBe(600_000);
    expect(issuesOf(['--cooldown=-1m'])).toEqual([
      '--cooldown: must be a Go duration of zero or more such as "5m"',
    ]);
    expect(issuesOf([], { ROUNDHOUSE_COOLDOWN: '-5m' })).toEqual([
      '--cooldown: must be a Go duration of zero or more such as "5m"',
    ]);
    expect(cooldownMs(configOf(['--cooldown=0']))).toBe(0);
  });

  it('names the flag of every bad value at once', () => {
    const issues = issuesOf(['--engines=job,argo', '--cooldown=soon', '--workers=0']);
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual([
      '--cooldown',
      '--engines',
      '--workers',
    ]);
  });

  it('asks for the AWX settings when the ansible engine is enabled', () => {
    expect(issuesOf(['--engines=job,ansible'])).toEqual([
      '--engines: the ansible engine needs --awx-url and --awx-token-secret (or drop it from --engines)',
    ]);
    const config = configOf([
      '--engines=job,ansible',
      '--awx-url=https://awx.example.com',
      '--awx-token-secret=ops/awx:token',
      '--awx-organization=Platform',
    ]);
    expect(config.engines).toEqual(['job', 'ansible']);
    expect(config.awxOrganization).toBe('Platform');
  });

  it('takes the Kubernetes API AWX jobs reach, only with the CA to verify it with', () => {
    const config = configOf([
      '--awx-kubernetes-api=https://k8s.example.com:6443',
      '--awx-kubernetes-ca-file=/etc/k8s/ca.crt',
    ]);
    expect(config.awxKubernetesApi).toBe('https://k8s.example.com:6443');
    expect(config.awxKubernetesCaFile).toBe('/etc/k8s/ca.crt');
    expect(configOf([]).awxKubernetesApi).toBeUndefined();
    expect(issuesOf(['--awx-kubernetes-api=https://k8s.example.com'])).toEqual([
      '--awx-kubernetes-api: needs --awx-kubernetes-ca-file: without a CA AWX sends the token without verifying the API server',
    ]);
    expect(
      issuesOf(['--awx-kubernetes-api=http://k8s.example.com', '--awx-kubernetes-ca-file=ca']),
    ).toEqual(['--awx-kubernetes-api: must be an https URL']);
  });

  it('rejects unknown flags and stray arguments, naming them', () => {
    expect(issuesOf(['--frobnicate=1'])[0]).toMatch(
      /^--frobnicate: unknown flag; the flags are --kubeconfig, --engines, /,
    );
    expect(issuesOf(['--leader-elect', 'false'])).toEqual([
      'arguments: unexpected argument "false": settings are flags, such as --kubeconfig=VALUE',
    ]);
    expect(issuesOf(['--cooldown'])).toEqual(['--cooldown: needs a value: --cooldown=VALUE']);
  });

  it('reads the AWX token Secret from ROUNDHOUSE_AWX_TOKEN_SECRET, and an empty KUBECONFIG as unset', () => {
    expect(configOf([], { ROUNDHOUSE_AWX_TOKEN_SECRET: 'ops/awx' }).awxTokenSecret).toBe('ops/awx');
    expect(configOf([], { KUBECONFIG: '' }).kubeconfig).toBeUndefined();
  });

  it('asks for help with --help or -h, whatever else is wrong', () => {
    expect(parseCommandLine(['--help'], { ROUNDHOUSE_WORKERS: 'many' })).toEqual({ help: true });
    expect(parseCommandLine(['-h'], {})).toEqual({ help: true });
  });
});
