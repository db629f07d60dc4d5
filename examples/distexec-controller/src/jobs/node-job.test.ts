import { ConfigurationError, roundhouseConventions } from '@roundhouse/core';
import type { JobSettings } from '@roundhouse/job';
import type { KubeObject, Reader } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { distExecView } from '../spec.js';
import {
  buildNodeJob,
  nodeExecution,
  nodeJobResourceEngine,
  nodeTarget,
  observeJob,
  parseNodeTarget,
} from './node-job.js';

const view = distExecView({
  metadata: { name: 'ls', namespace: 'ops', uid: 'u-1', generation: 4 },
  spec: { command: 'ls -a', timeoutSeconds: 90 },
});
const spec = view.spec.valid ? view.spec.value : { command: '' };
const settings: JobSettings = {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  ttlSecondsAfterFinished: 600,
  securityProfile: 'restricted',
};

describe('node executions', () => {
  it('are owned by the DistExec and locked per node, generation and attempt', () => {
    const wfe = nodeExecution(view, spec, 'ip-10-0-0-1.ec2.internal', 2, 'busybox:1.37');
    expect(wfe.metadata).toEqual({ name: 'ls', namespace: 'ops', uid: 'u-1' });
    expect(wfe.spec.targetResource).toBe('ops/distexec/ls.ip-10-0-0-1.ec2.internal.n24.g4.a2');
    expect(wfe.spec.workflowRef.executionBundle).toBe('busybox:1.37');
    expect(wfe.spec.executionConfig).toEqual({ timeout: '90s' });
    expect(parseNodeTarget(wfe.spec.targetResource, 'ops', 'ls')).toEqual({
      node: 'ip-10-0-0-1.ec2.internal',
      generation: 4,
      attempt: 2,
    });
    expect(nodeTarget('a', 'b', 'c', 1, 1)).toBe('a/distexec/b.c.n1.g1.a1');
    expect(parseNodeTarget('ops/deployment/api', 'ops', 'ls')).toBeUndefined();
    expect(parseNodeTarget(undefined, 'ops', 'ls')).toBeUndefined();
  });

  it("carry no API token, whatever the runner ServiceAccount's own setting", () => {
    // The command is the author's: a token would hand them the runner's rights, in a namespace
    // they may not use, on every node.
    const job = buildNodeJob(nodeExecution(view, spec, 'worker-1', 1, 'busybox:1.37'), 'jobs', {
      ...settings,
      pod: { priorityClassName: 'system-node-critical' },
    });
    expect(job.spec?.template.spec).toMatchObject({
      automountServiceAccountToken: false,
      priorityClassName: 'system-node-critical',
    });
  });

  it('never share a lock: names and node names both hold dots', () => {
    // DistExec "web" on node "a.example" and DistExec "web.a" on node "example" are two
    // attempts; one lock (so one Job name) would hold either back for as long as the other ran.
    expect(nodeTarget('ops', 'web', 'a.example', 1, 1)).not.toBe(
      nodeTarget('ops', 'web.a', 'example', 1, 1),
    );
    expect(parseNodeTarget(nodeTarget('ops', 'web.a', 'example', 1, 1), 'ops', 'web')).toBe(
      undefined,
    );
    expect(parseNodeTarget(nodeTarget('ops', 'web', 'a.example', 3, 2), 'ops', 'web')).toEqual({
      node: 'a.example',
      generation: 3,
      attempt: 2,
    });
  });

  it("take the DistExec's own image over the default", () => {
    const wfe = nodeExecution(view, { ...spec, image: 'alpine:3' }, 'n', 1, 'busybox:1.37');
    expect(wfe.spec.workflowRef.executionBundle).toBe('alpine:3');
  });

  it("become the job engine's Job, pinned to the node through the scheduler, running the argv", () => {
    const wfe = nodeExecution(view, spec, 'worker-1', 1, 'busybox:1.37');
    const job = buildNodeJob(wfe, 'jobs', settings);
    expect(job.metadata?.namespace).toBe('jobs');
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 90 });
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['worker-1'] }] },
            ],
          },
        },
      },
      restartPolicy: 'Never',
      serviceAccountName: 'runner',
    });
    // The scheduler places the pod, so taints, cordons and free resources are honoured.
    expect(pod?.nodeName).toBeUndefined();
    expect(pod?.tolerations).toBeUndefined();
    expect(pod?.containers).toHaveLength(1);
    expect(pod?.containers[0]).toMatchObject({
      name: 'workflow',
      image: 'busybox:1.37',
      command: ['ls', '-a'],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(pod?.containers[0]?.env).toEqual(
      expect.arrayContaining([
        { name: 'NODE_NAME', value: 'worker-1' },
        { name: 'DISTEXEC_ATTEMPT', value: '1' },
      ]),
    );
  });

  it("tolerate only the operator's tolerations, and keep the operator's own node affinity", () => {
    const wfe = nodeExecution(view, spec, 'worker-1', 1, 'busybox:1.37');
    const tolerations = [
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
    ];
    const zone = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] };
    const pool = { key: 'metadata.name', operator: 'NotIn', values: ['control-plane-1'] };
    const pod = buildNodeJob(wfe, 'jobs', {
      ...settings,
      pod: {
        tolerations,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [zone], matchFields: [pool] }],
            },
          },
        },
      },
    }).spec?.template.spec;
    expect(pod?.tolerations).toEqual(tolerations);
    expect(pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [
        {
          matchExpressions: [zone],
          matchFields: [pool, { key: 'metadata.name', operator: 'In', values: ['worker-1'] }],
        },
      ],
    });
  });

  it('hands the argv to the container as written, with no $(VAR) expansion by the kubelet', () => {
    const argv = { ...spec, argv: ['sh', '-c', 'echo $(hostname) $$ $(NODE_NAME)'] };
    const job = buildNodeJob(nodeExecution(view, argv, 'n', 1, 'busybox:1.37'), 'jobs', settings);
    expect(job.spec?.template.spec?.containers[0]?.command).toEqual([
      'sh',
      '-c',
      'echo $$(hostname) $$$$ $$(NODE_NAME)',
    ]);
  });

  it('refuse a Job too large to store, naming the field, rather than sending it', () => {
    // The longest argv the spec takes, all "$": 1 MiB in the DistExec, 2 MiB in the Job, which
    // the API server would refuse on every attempt with an answer that reads as passing.
    const argv = { ...spec, argv: Array.from({ length: 256 }, () => '$'.repeat(4096)) };
    const wfe = nodeExecution(view, argv, 'n', 1, 'busybox:1.37');
    const refusal = (() => {
      try {
        buildNodeJob(wfe, 'jobs', settings);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect((refusal as ConfigurationError).issues).toEqual([
      {
        path: 'spec.argv',
        message: expect.stringMatching(
          /^make a Job of \d+ bytes as stored \(its managedFields and status included\), more than the 1572864/,
        ),
      },
    ]);
    // Half of it fits, and is built.
    const half = { ...spec, argv: Array.from({ length: 128 }, () => '$'.repeat(4096)) };
    expect(
      buildNodeJob(nodeExecution(view, half, 'n', 1, 'busybox:1.37'), 'jobs', settings),
    ).toBeDefined();
  });
});

describe('observeJob', () => {
  const summary = { status: 'Unknown' as const };
  it('maps a Job to an observation of its attempt', () => {
    expect(observeJob(null)).toEqual({ kind: 'none' });
    expect(observeJob({ phase: 'Running', reason: 'Running', message: '', summary })).toEqual({
      kind: 'running',
    });
    expect(observeJob({ phase: 'Completed', reason: 'Complete', message: '', summary })).toEqual({
      kind: 'finished',
      outcome: { succeeded: true, reason: 'Completed', exitCode: 0 },
    });
    expect(
      observeJob({
        phase: 'Failed',
        reason: 'BackoffLimitExceeded',
        message: 'container workflow exited with code 3 (Error): boom',
        summary,
        exitCode: 3,
        failureReason: 'TaskFailed',
      }),
    ).toEqual({
      kind: 'finished',
      outcome: {
        succeeded: false,
        reason: 'BackoffLimitExceeded',
        message: 'container workflow exited with code 3 (Error): boom',
        exitCode: 3,
      },
    });
    expect(
      observeJob({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
        summary,
        failureReason: 'DeadlineExceeded',
      }),
    ).toMatchObject({ outcome: { reason: 'Timeout' } });
  });
});

describe('a node Job that ends at its deadline', () => {
  /** The Job as the Job controller leaves it at its deadline, after `failed` pods. */
  function deadlineJob(failed: number): KubeObject & { status?: unknown } {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'distexec-ls', namespace: 'jobs', uid: 'job-1' },
      status: {
        ...(failed > 0 ? { failed } : {}),
        startTime: '2026-01-01T00:00:00Z',
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
      },
    };
  }
  /** A reader holding the FailedCreate a pod quota leaves on the Job, and no pod. */
  const reader = {
    async list(type: { kind: string }, _namespace: string, options: { fieldSelector?: string }) {
      const quota = {
        reason: 'FailedCreate',
        type: 'Warning',
        message:
          'Error creating: pods "distexec-ls-abcde" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10',
      };
      const ofJob = type.kind === 'Event' && options.fieldSelector === 'involvedObject.uid=job-1';
      return { items: ofJob ? [quota] : [], resourceVersion: '1' };
    },
  } as unknown as Reader;
  const engine = nodeJobResourceEngine(settings, reader);

  it('names the refused pod, not Timeout, when a quota kept its pod from ever being created', async () => {
    const result = await engine.result(deadlineJob(0), { reader, namespace: 'jobs' });

    const observed = observeJob(result);
    expect(observed).toMatchObject({ outcome: { succeeded: false, reason: 'PodRefused' } });
    expect(observed.kind === 'finished' && observed.outcome.message).toContain(
      'exceeded quota: pods, resources: pods',
    );
    // The shared execution namespace's usage counts every tenant's pods: not quoted.
    expect(observed.kind === 'finished' && observed.outcome.message).not.toContain('used:');
  });

  it('stays Timeout when the Job had a pod that ran out of time', async () => {
    const result = await engine.result(deadlineJob(1), { reader, namespace: 'jobs' });

    expect(observeJob(result)).toMatchObject({ outcome: { reason: 'Timeout' } });
  });
});
