import { describe, expect, it } from 'vitest';
import { type MountEvent, mountFailure, withMountFailure } from './mount-failures.js';

const job = 'wfe-0123456789abcdef';
const created = '2026-12-02T03:00:00Z';
// The Job's pods, as the Job controller's events and the pods' controller-uid label name them.
const ownPods = new Set([`${job}-abcde`, `${job}-x7k2m`]);
const ownPod = (pod: string) => ownPods.has(pod);
const event = (pod: string, at: string, message: string, reason = 'FailedMount'): MountEvent => ({
  involvedObject: { name: pod },
  reason,
  lastTimestamp: at,
  message,
});

describe('mountFailure', () => {
  it("names the newest FailedMount of the Job's own pods", () => {
    expect(
      mountFailure(ownPod, created, [
        event(`${job}-abcde`, '2026-12-02T03:00:05Z', 'secret "db" not found'),
        event(
          `${job}-abcde`,
          '2026-12-02T03:00:40Z',
          'MountVolume.SetUp failed: secret "db" not found',
        ),
        event(`${job}-abcde`, '2026-12-02T03:00:20Z', 'older'),
      ]),
    ).toBe(`pod ${job}-abcde: FailedMount: MountVolume.SetUp failed: secret "db" not found`);
  });

  it('names why the scheduler found no node for a pod that waited to its deadline, when asked to', () => {
    const unscheduled: MountEvent[] = [
      {
        involvedObject: { name: `${job}-abcde` },
        reason: 'FailedScheduling',
        eventTime: '2026-12-02T03:00:01.000000Z',
        message:
          "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
      },
    ];
    // An engine that still holds its pod reads the scheduler's reason from the pod itself.
    expect(mountFailure(ownPod, created, unscheduled)).toBeUndefined();
    expect(mountFailure(ownPod, created, unscheduled, { scheduling: true })).toBe(
      `pod ${job}-abcde: FailedScheduling: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.`,
    );
  });

  it("ignores other Jobs' pods and a previous Job of the same name", () => {
    expect(
      mountFailure(ownPod, created, [
        event(`${job}0-abcde`, '2026-12-02T03:00:05Z', 'a Job whose name starts alike'),
        event(`${job}-abcdef`, '2026-12-02T03:00:05Z', 'not a pod of this Job'),
        event(`${job}-zzzzz`, '2026-12-02T03:00:05Z', "a co-tenant's pod named like the Job's"),
        event(`${job}-abcde`, '2026-12-02T02:59:59Z', 'the previous Job of this lock'),
        { message: 'no object' },
      ]),
    ).toBeUndefined();
  });

  it('reads eventTime where lastTimestamp is missing, and cuts a long message short', () => {
    const failure = mountFailure(ownPod, created, [
      {
        involvedObject: { name: `${job}-x7k2m` },
        reason: 'FailedMount',
        eventTime: '2026-12-02T03:01:00.123456Z',
        message: 'x'.repeat(1_000),
      },
    ]);
    expect(failure).toMatch(new RegExp(`^pod ${job}-x7k2m: FailedMount: x{299}…$`));
  });

  it('UT-WE-054-JOB-020: reads an event the recorder gave no time by when it was created', () => {
    expect(
      mountFailure(ownPod, created, [
        {
          metadata: { creationTimestamp: '2026-12-02T03:00:30Z' },
          involvedObject: { name: `${job}-x7k2m` },
          reason: 'FailedMount',
          message: 'MountVolume.SetUp failed for volume "secret-db" : secret "db" not found',
        },
      ]),
    ).toBe(
      `pod ${job}-x7k2m: FailedMount: MountVolume.SetUp failed for volume "secret-db" : secret "db" not found`,
    );
  });

  it("UT-WE-054-JOB-018: takes an event when its time or the Job's is unknown, as kubernaut takes every event", () => {
    const mount = {
      involvedObject: { name: `${job}-abcde` },
      reason: 'FailedMount',
      message:
        'MountVolume.SetUp failed for volume "secret-my-creds" : secret "my-creds" not found',
    };
    const named = `pod ${job}-abcde: FailedMount: ${mount.message}`;
    expect(mountFailure(ownPod, undefined, [mount])).toBe(named);
    expect(mountFailure(ownPod, created, [mount])).toBe(named);
    expect(
      mountFailure(ownPod, undefined, [event(`${job}-abcde`, '2026-12-02T03:00:05Z', 'timed')]),
    ).toBe(`pod ${job}-abcde: FailedMount: timed`);
  });

  it("UT-WE-054-JOB-028: names the kubelet's detailed image-pull failure", () => {
    const pull =
      'Failed to pull image "quay.io/kubernaut/bad-bundle:v1": rpc error: code = NotFound desc = manifest unknown';
    expect(
      mountFailure(ownPod, created, [
        event(`${job}-x7k2m`, '2026-12-02T03:00:10Z', pull, 'Failed'),
      ]),
    ).toBe(`pod ${job}-x7k2m: Failed: ${pull}`);
  });

  it("UT-WE-054-JOB-029: names the kubelet's terse ImagePullBackOff when no detailed event is left", () => {
    expect(
      mountFailure(ownPod, created, [
        event(`${job}-x7k2m`, '2026-12-02T03:00:10Z', 'Error: ImagePullBackOff', 'Failed'),
      ]),
    ).toBe(`pod ${job}-x7k2m: Failed: Error: ImagePullBackOff`);
  });

  it("UT-WE-054-JOB-030: takes no other 'Failed' event for a pull failure", () => {
    expect(
      mountFailure(ownPod, created, [
        event(
          `${job}-x7k2m`,
          '2026-12-02T03:00:10Z',
          'Liveness probe failed: HTTP probe failed with statuscode: 500',
          'Failed',
        ),
        event(
          `${job}-x7k2m`,
          '2026-12-02T03:00:11Z',
          'Back-off restarting failed container',
          'BackOff',
        ),
      ]),
    ).toBeUndefined();
  });
});

describe("mountFailure: the kubelet's record of a container it could not create", () => {
  const pod = `${job}-x7k2m`;
  const rootImage =
    'Error: container has runAsNonRoot and image will run as root (pod: "wfe-0123456789abcdef-x7k2m_workflows(3f1c)", container: workflow)';
  const record = (at: string, message: string, uid?: string): MountEvent => ({
    involvedObject: { name: pod, ...(uid ? { uid } : {}) },
    reason: 'Failed',
    lastTimestamp: at,
    message,
  });

  it('names a root image refused under the restricted profile, for an engine whose pod is gone', () => {
    const events = [record('2026-12-02T03:00:03Z', rootImage)];
    // An engine that still holds its pod reads the waiting reason from the pod itself.
    expect(mountFailure(ownPod, created, events)).toBeUndefined();
    expect(mountFailure(ownPod, created, events, { containerErrors: true })).toBe(
      `pod ${pod}: Failed: ${rootImage}`,
    );
    expect(
      mountFailure(ownPod, created, [record('2026-12-02T03:00:03Z', 'Error: ErrImageNeverPull')], {
        containerErrors: true,
      }),
    ).toBe(`pod ${pod}: Failed: Error: ErrImageNeverPull`);
  });

  it("takes none the node's own trouble caused, nor one of a pod whose container still says why", () => {
    const synced = record(
      '2026-12-02T03:00:03Z',
      'Error: failed to sync secret cache: timed out waiting for the condition',
    );
    expect(mountFailure(ownPod, created, [synced], { containerErrors: true })).toBeUndefined();
    const waiting = { name: pod, uid: 'pod-2', createdAt: created, waiting: true };
    expect(
      mountFailure(ownPod, created, [record('2026-12-02T03:00:03Z', rootImage)], {
        containerErrors: true,
        listed: [waiting],
      }),
    ).toBeUndefined();
  });

  it("holds a pod that exists to its own warnings: not an earlier pod's of its name, by uid or by time", () => {
    const listed = [{ name: pod, uid: 'pod-2', createdAt: '2026-12-02T03:10:00Z' }];
    const reads = { containerErrors: true, listed };
    const mount = (at: string, uid: string) => ({
      ...event(pod, at, 'secret "db" not found'),
      involvedObject: { name: pod, uid },
    });
    expect(
      mountFailure(ownPod, created, [record('2026-12-02T03:10:05Z', rootImage, 'pod-1')], reads),
    ).toBeUndefined();
    expect(
      mountFailure(ownPod, created, [mount('2026-12-02T03:10:05Z', 'pod-1')], reads),
    ).toBeUndefined();
    expect(
      mountFailure(ownPod, created, [record('2026-12-02T03:05:00Z', rootImage)], reads),
    ).toBeUndefined();
    expect(
      mountFailure(ownPod, created, [record('2026-12-02T03:10:05Z', rootImage, 'pod-2')], reads),
    ).toBe(`pod ${pod}: Failed: ${rootImage}`);
    // An event or a pod that carries no uid is held to the time alone.
    expect(mountFailure(ownPod, created, [record('2026-12-02T03:10:05Z', rootImage)], reads)).toBe(
      `pod ${pod}: Failed: ${rootImage}`,
    );
  });
});

describe('mountFailure: a pod that could not start for a while and then ran', () => {
  const pod = `${job}-x7k2m`;
  const mount = (at: string, uid = 'pod-2'): MountEvent => ({
    ...event(pod, at, 'secret "db" not found'),
    involvedObject: { name: pod, uid },
  });
  /** The kubelet's Started event of the workflow container of the pod `uid`, at `at`. */
  const start = (at: string, uid = 'pod-2'): MountEvent => ({
    involvedObject: { name: pod, uid, fieldPath: 'spec.containers{workflow}' },
    type: 'Normal',
    reason: 'Started',
    message: 'Started container workflow',
    lastTimestamp: at,
  });

  it('gives no warning of a gone pod from before its start, nor of the same second', () => {
    const warnings = [mount('2026-12-02T03:00:05Z')];
    expect(
      mountFailure(ownPod, created, warnings, { starts: [start('2026-12-02T03:02:00Z')] }),
    ).toBe(undefined);
    expect(
      mountFailure(ownPod, created, warnings, { starts: [start('2026-12-02T03:00:05Z')] }),
    ).toBe(undefined);
  });

  it('still gives a warning after the start, or when the start is of another pod of the name', () => {
    const cause = `pod ${pod}: FailedMount: secret "db" not found`;
    const late = [mount('2026-12-02T03:02:01Z')];
    expect(mountFailure(ownPod, created, late, { starts: [start('2026-12-02T03:02:00Z')] })).toBe(
      cause,
    );
    const early = [mount('2026-12-02T03:00:05Z')];
    const other = start('2026-12-02T03:02:00Z', 'pod-1');
    expect(mountFailure(ownPod, created, early, { starts: [other] })).toBe(cause);
    const otherName = {
      ...start('2026-12-02T03:02:00Z'),
      involvedObject: { name: `${job}-abcde` },
    };
    expect(mountFailure(ownPod, created, early, { starts: [otherName] })).toBe(cause);
  });

  it('gives the newest warning of a pod that never started, not of the one that started after it', () => {
    const stuck = `${job}-abcde`;
    const warnings = [
      event(stuck, '2026-12-02T03:00:05Z', 'secret "old" not found'),
      mount('2026-12-02T03:01:00Z'),
    ];
    expect(
      mountFailure(ownPod, created, warnings, { starts: [start('2026-12-02T03:01:30Z')] }),
    ).toBe(`pod ${stuck}: FailedMount: secret "old" not found`);
  });

  it('holds a pod that exists to its own start: no warning up to it, one after it', () => {
    const listed = [
      { name: pod, uid: 'pod-2', createdAt: created, startedAt: '2026-12-02T03:02:00Z' },
    ];
    expect(mountFailure(ownPod, created, [mount('2026-12-02T03:01:00Z')], { listed })).toBe(
      undefined,
    );
    expect(mountFailure(ownPod, created, [mount('2026-12-02T03:02:01Z')], { listed })).toBe(
      `pod ${pod}: FailedMount: secret "db" not found`,
    );
  });
});

describe('withMountFailure', () => {
  it('adds the cause to the message and changes nothing else', () => {
    const failed = {
      phase: 'Failed' as const,
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
      summary: { status: 'False' as const },
      failureReason: 'DeadlineExceeded' as const,
    };
    expect(withMountFailure(failed, 'pod p: FailedMount: secret "db" not found')).toEqual({
      ...failed,
      message:
        'Job was active longer than specified deadline; pod p: FailedMount: secret "db" not found',
    });
  });
});
