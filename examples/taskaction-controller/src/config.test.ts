import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { attemptResourcesOf, configHelp, leaderElectionOf, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('takes flags over variables over defaults, and durations in milliseconds', () => {
    const config = loadConfig(['--events-file=/var/events.jsonl', '--gc-ttl=0s'], {
      TASKACTION_GC_TTL: '2h',
      TASKACTION_ALLOWED_IMAGES: 'registry.example.com/*, ghcr.io/acme/train:*',
      TASKACTION_EXECUTION_NAMESPACE: 'tasks',
      KUBECONFIG: '/kube/config',
    });
    expect(config).toEqual({
      kubeconfig: '/kube/config',
      executionNamespace: 'tasks',
      allowedImages: ['registry.example.com/*', 'ghcr.io/acme/train:*'],
      eventsFile: '/var/events.jsonl',
      defaultTimeout: '1h',
      maxTimeout: '24h',
      podAnnotations: {},
      jobResourceLimits: { cpu: '1', memory: '1Gi' },
      maxSystemFailures: 3,
      maxAttemptsPerNamespace: 20,
      maxCacheEntriesPerNamespace: 1000,
      workers: 16,
      gcTtl: 0,
      gcInterval: 1_800_000,
      requeueDuration: 10_000,
      healthPort: 8080,
      leaderElect: false,
    });
  });

  it('bounds the cache entries of a namespace at 1000 unless told: any whole number from 1', () => {
    const bound = (flags: string[]) =>
      loadConfig(['--events-file=/e', ...flags], {}).maxCacheEntriesPerNamespace;
    expect(bound([])).toBe(1000);
    expect(bound(['--max-cache-entries-per-namespace=5'])).toBe(5);
    for (const refused of ['0', '-1', '1.5', 'none']) {
      expect(() => bound([`--max-cache-entries-per-namespace=${refused}`])).toThrow(
        /--max-cache-entries-per-namespace/,
      );
    }
  });

  it('caps the attempts in flight per namespace at 20 unless told: any whole number from 1, or none, never 0', () => {
    const cap = (flags: string[]) =>
      loadConfig(['--events-file=/e', ...flags], {}).maxAttemptsPerNamespace;
    expect(cap([])).toBe(20);
    expect(cap(['--max-attempts-per-namespace=3'])).toBe(3);
    expect(cap(['--max-attempts-per-namespace=none'])).toBe('none');
    for (const refused of ['0', '-1', '1.5', 'off']) {
      expect(() => cap([`--max-attempts-per-namespace=${refused}`])).toThrow(
        /--max-attempts-per-namespace: must be a whole number of 1 or more \(0 would start no attempt\), or none/,
      );
    }
  });

  it('elects a leader with --leader-elect, on a Lease in the execution namespace unless told another', () => {
    expect(leaderElectionOf(loadConfig(['--events-file=/e'], {}))).toBeUndefined();
    expect(leaderElectionOf(loadConfig(['--events-file=/e', '--leader-elect'], {}))).toEqual({
      namespace: 'roundhouse-tasks',
      name: 'roundhouse-taskaction-controller',
    });
    const fromEnv = loadConfig(['--events-file=/e'], {
      TASKACTION_LEADER_ELECT: 'true',
      TASKACTION_LEADER_ELECTION_NAMESPACE: 'roundhouse-system',
    });
    expect(leaderElectionOf(fromEnv)).toMatchObject({ namespace: 'roundhouse-system' });
    // The flag wins over its variable, as every flag does.
    const off = loadConfig(['--events-file=/e', '--leader-elect=false'], {
      TASKACTION_LEADER_ELECT: 'true',
    });
    expect(leaderElectionOf(off)).toBeUndefined();
    expect(() => loadConfig(['--events-file=/e', '--leader-elect=maybe'], {})).toThrow(
      /--leader-elect: must be true or false/,
    );
  });

  it('limits every attempt with --job-resource-limits: cpu and memory by default, none only when told', () => {
    const limits = (flags: string[]) =>
      attemptResourcesOf(loadConfig(['--events-file=/e', ...flags], {}));
    expect(limits([])).toEqual({ limits: { cpu: '1', memory: '1Gi' } });
    expect(limits(['--job-resource-limits=cpu=2, memory=4Gi,ephemeral-storage=1Gi'])).toEqual({
      limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '1Gi' },
    });
    expect(limits(['--job-resource-limits=none'])).toEqual({});
    expect(() => loadConfig(['--events-file=/e', '--job-resource-limits=cpu=2'], {})).toThrow(
      /--job-resource-limits: must limit both cpu and memory \(such as cpu=1,memory=1Gi\), or be none/,
    );
    expect(() => loadConfig(['--events-file=/e', '--job-resource-limits='], {})).toThrow(
      /--job-resource-limits: must limit both cpu and memory/,
    );
    expect(() =>
      loadConfig(['--events-file=/e', '--job-resource-limits=cpu=1,memory=lots'], {}),
    ).toThrow(/--job-resource-limits: .*quantity/);
    // The kubelet sets no CFS quota and no memory limit for a limit of 0: an attempt unbounded.
    for (const zero of [
      'cpu=0,memory=1Gi',
      'cpu=1,memory=0',
      'cpu=0m,memory=0Mi',
      'cpu=0e3,memory=1Gi',
    ]) {
      expect(
        () => loadConfig(['--events-file=/e', `--job-resource-limits=${zero}`], {}),
        zero,
      ).toThrow(
        /--job-resource-limits: cpu and memory must be above 0: the kubelet takes a limit of 0 for none; write none to mean none/,
      );
    }
    expect(limits(['--job-resource-limits=cpu=0.5m,memory=10e-1'])).toEqual({
      limits: { cpu: '0.5m', memory: '10e-1' },
    });
  });

  it('puts --pod-annotations on every attempt pod, and refuses a key the API server would', () => {
    const config = loadConfig(
      ['--events-file=/e', '--pod-annotations=example.com/team=ml, sidecar=off,empty='],
      {},
    );
    expect(config.podAnnotations).toEqual({ 'example.com/team': 'ml', sidecar: 'off', empty: '' });
    expect(() => loadConfig(['--events-file=/e', '--pod-annotations=team'], {})).toThrow(
      /--pod-annotations: "team" is not key=value/,
    );
    expect(() => loadConfig(['--events-file=/e', '--pod-annotations=Bad_Prefix/x=1'], {})).toThrow(
      /--pod-annotations: "Bad_Prefix\/x=1" is not key=value/,
    );
    const longPrefix = `${'a'.repeat(250)}.com/x=1`;
    expect(() => loadConfig(['--events-file=/e', `--pod-annotations=${longPrefix}`], {})).toThrow(
      /--pod-annotations: "a+\.com\/x=1" is not key=value/,
    );
  });

  it('takes an --pod-annotations key in capitals, which the API server judges lowercased', () => {
    const config = loadConfig(['--events-file=/e', '--pod-annotations=Example.COM/Team=ml'], {});
    expect(config.podAnnotations).toEqual({ 'Example.COM/Team': 'ml' });
  });

  it('takes the requeue period of running actions from --requeue-duration', () => {
    expect(loadConfig(['--events-file=/e', '--requeue-duration=1m'], {}).requeueDuration).toBe(
      60_000,
    );
    expect(() => loadConfig(['--events-file=/e', '--requeue-duration=0s'], {})).toThrow(
      /--requeue-duration: must be longer than 0s/,
    );
  });

  it('bounds how long an attempt may run: --default-timeout and --max-timeout', () => {
    expect(loadConfig(['--events-file=/e', '--max-timeout=2h'], {}).maxTimeout).toBe('2h');
    expect(() => loadConfig(['--events-file=/e', '--default-timeout=0s'], {})).toThrow(
      /--default-timeout: must be longer than 0s/,
    );
  });

  it('allows no image until --allowed-images lists some', () => {
    expect(loadConfig(['--events-file=/e'], {}).allowedImages).toEqual([]);
  });

  it('wants exactly one event sink', () => {
    expect(() => loadConfig([], {})).toThrow(/exactly one event sink/);
    expect(() =>
      loadConfig(['--events-file=/e', '--events-url=http://events.local/record'], {}),
    ).toThrow(ConfigurationError);
  });

  it('names the flag of a bad value', () => {
    expect(() => loadConfig(['--events-file=/e', '--gc-interval=soon'], {})).toThrow(
      /--gc-interval: must be a Go duration/,
    );
  });

  it("says in --help that the execution namespace holds the attempts' Jobs and the action cache", () => {
    const help = configHelp('taskaction-controller');
    const [, text] = /--execution-namespace=VALUE\n\s+(.*)/.exec(help) ?? [];
    expect(text).toMatch(/Job runs, as its runner ServiceAccount/);
    expect(text).toMatch(/action cache lives \(entry ConfigMaps, reservation Leases\)/);
  });
});
