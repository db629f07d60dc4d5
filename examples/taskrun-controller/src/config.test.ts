import { describe, expect, it } from 'vitest';
import { configHelp, leaderElectionOf, loadConfig, podOptionsOf } from './config.js';

describe('loadConfig', () => {
  it('takes flags over variables over defaults', () => {
    const config = loadConfig(['--allowed-images=registry.example.com/*, ghcr.io/acme/*'], {
      TASKRUN_MISSING_TASK: 'wait',
      TASKRUN_ALLOWED_IMAGES: 'ignored',
      KUBECONFIG: '/kube/config',
    });
    expect(config).toEqual({
      kubeconfig: '/kube/config',
      allowedImages: ['registry.example.com/*', 'ghcr.io/acme/*'],
      requireDigest: false,
      missingTask: 'wait',
      defaultTimeout: '1h',
      maxTimeout: '24h',
      workers: 4,
      healthPort: 8080,
      leaderElect: false,
    });
    expect(loadConfig([], {}).allowedImages).toEqual([]);
  });

  it('names the flag of a bad value', () => {
    expect(() => loadConfig(['--missing-task=retry'], {})).toThrow(/--missing-task/);
    expect(() => loadConfig(['--max-timeout=forever'], {})).toThrow(/--max-timeout/);
    expect(() => loadConfig(['--default-timeout=0s'], {})).toThrow(/--default-timeout/);
    expect(() => loadConfig(['--step-resource-limits=memory=lots'], {})).toThrow(
      /--step-resource-limits/,
    );
    expect(() => loadConfig(['--require-digest=yes please'], {})).toThrow(/--require-digest/);
  });

  it('refuses a --default-timeout past --max-timeout or past what a Pod can hold, at start-up', () => {
    expect(() => loadConfig(['--default-timeout=48h'], {})).toThrow(
      /^--default-timeout: must be at most --max-timeout \(24h\)/,
    );
    expect(() => loadConfig(['--default-timeout=2h', '--max-timeout=90m'], {})).toThrow(
      /--default-timeout: must be at most --max-timeout \(90m\)/,
    );
    expect(() => loadConfig(['--default-timeout=876000h', '--max-timeout=2000000h'], {})).toThrow(
      /^--default-timeout: must be at most 2147483647s/,
    );
    expect(loadConfig(['--default-timeout=24h'], {}).defaultTimeout).toBe('24h');
  });

  it("reads the steps' resource limits as name=quantity pairs, none by default", () => {
    expect(loadConfig([], {}).stepResourceLimits).toBeUndefined();
    expect(
      loadConfig([], { TASKRUN_STEP_RESOURCE_LIMITS: 'cpu=1,memory=512Mi,ephemeral-storage=1Gi' })
        .stepResourceLimits,
    ).toEqual({ cpu: '1', memory: '512Mi', 'ephemeral-storage': '1Gi' });
  });

  it('says in --help that a parallel Task’s steps share --step-resource-limits', () => {
    expect(configHelp('taskrun-controller')).toContain(
      "--step-resource-limits=VALUE\n      limits of each run's Pod (cpu=1,memory=512Mi): every step of a sequential Task gets them all; a parallel Task's steps share them equally",
    );
  });

  it("passes the allowed images, --require-digest and the steps' limits to the pod engine", () => {
    expect(podOptionsOf(loadConfig(['--allowed-images=registry.example.com/*'], {}))).toEqual({
      allowedImages: ['registry.example.com/*'],
      requireDigest: false,
    });
    expect(podOptionsOf(loadConfig(['--require-digest'], {})).requireDigest).toBe(true);
    expect(podOptionsOf(loadConfig(['--require-digest=false'], {})).requireDigest).toBe(false);
    const fromEnv = loadConfig([], {
      TASKRUN_REQUIRE_DIGEST: 'true',
      TASKRUN_STEP_RESOURCE_LIMITS: 'cpu=1',
    });
    expect(podOptionsOf(fromEnv)).toMatchObject({
      requireDigest: true,
      resources: { limits: { cpu: '1' } },
    });
  });

  it('elects a leader with --leader-elect, on a Lease in the watched namespace unless told another', () => {
    expect(leaderElectionOf(loadConfig([], {}))).toBeUndefined();
    expect(
      leaderElectionOf(loadConfig(['--leader-elect', '--watch-namespace=team-a'], {})),
    ).toEqual({ namespace: 'team-a', name: 'roundhouse-taskrun-controller' });
    const fromEnv = loadConfig([], {
      TASKRUN_LEADER_ELECT: 'true',
      TASKRUN_LEADER_ELECTION_NAMESPACE: 'roundhouse-system',
    });
    expect(leaderElectionOf(fromEnv)).toMatchObject({ namespace: 'roundhouse-system' });
    expect(leaderElectionOf(loadConfig(['--leader-elect=false'], {}))).toBeUndefined();
  });

  it('refuses --leader-elect for every namespace without a namespace for its Lease', () => {
    expect(() => loadConfig(['--leader-elect'], {})).toThrow(
      /--leader-election-namespace: needs a namespace for the Lease/,
    );
    expect(() => loadConfig(['--leader-elect', '--watch-namespace='], {})).toThrow(
      /--leader-election-namespace: needs a namespace for the Lease/,
    );
    expect(() => loadConfig(['--leader-elect', '--leader-election-namespace='], {})).toThrow(
      /--leader-election-namespace: /,
    );
  });
});
