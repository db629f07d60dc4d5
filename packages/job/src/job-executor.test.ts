import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import {
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceType,
  resourcePath,
  resources,
} from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobExecutor } from './job-executor.js';
import { buildJob } from './job-spec.js';

/** An API server that accepts every create and keeps what it was sent. */
class RecordingServer extends KubeClient {
  readonly created: KubeObject[] = [];
  constructor() {
    super(new KubeConfig());
  }
  override async create<T extends KubeObject>(
    _type: ResourceType,
    _namespace: string | undefined,
    body: T,
  ) {
    this.created.push(body);
    return { object: body, warnings: [] };
  }
}

/** The Job the engine builds for `wfe`, as the API server stores it, with `status`. */
function builtJob(wfe: WorkflowExecution, status: object): KubeObject {
  const job = {
    ...buildJob(wfe, 'workflows', undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      securityProfile: 'restricted',
    }),
    status,
  } as KubeObject;
  job.metadata = { ...job.metadata, uid: 'job-uid', creationTimestamp: '2026-01-01T00:00:00Z' };
  return job;
}

/** The status of a Job the Job controller failed at its deadline at `at`, with `counts`. */
const deadlineExceeded = (at: string, counts: object = {}) => ({
  ...counts,
  startTime: '2026-01-01T00:00:01Z',
  conditions: [
    {
      type: 'Failed',
      status: 'True',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
      lastTransitionTime: at,
    },
  ],
});

/** A Warning Event about the pod `pod`, last seen at `at`. */
const podWarning = (pod: string, reason: string, at: string, message: string) => ({
  involvedObject: { kind: 'Pod', name: pod },
  type: 'Warning',
  reason,
  lastTimestamp: at,
  message,
});

/** The Job controller's FailedCreate message for a pod past a ResourceQuota. */
const quotaRefusal =
  'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0';

/** That refusal as a status quotes it: the quota and resource, not the namespace's usage. */
const quotedRefusal =
  'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: exceeded quota: no-pods, resources: pods';

/** A Reader with `job` and nothing else: no pod, no Event. */
function quietReader(job: KubeObject): Reader {
  return {
    get: async <T extends KubeObject>() => job as T,
    list: async <T extends KubeObject>() => ({ items: [] as T[], resourceVersion: '1' }),
  };
}

/** A Reader with `job`, and the Job controller's Event that a quota refused its pod. */
function quotaRefusedReader(job: KubeObject): Reader {
  return {
    get: async <T extends KubeObject>() => job as T,
    list: async <T extends KubeObject>(type: ResourceType) => ({
      items: (type === resources.events
        ? [{ type: 'Warning', reason: 'FailedCreate', message: quotaRefusal }]
        : []) as unknown as T[],
      resourceVersion: '1',
    }),
  };
}

describe('JobExecutor', () => {
  it('gives a Job the default deadline when spec.timesOutAt is further away', async () => {
    const server = new RecordingServer();
    const wfe = sampleExecution({
      spec: {
        workflowRef: { workflowId: 'w', version: '1', executionBundle: 'quay.io/acme/b:1' },
        timesOutAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
      },
    });
    await new JobExecutor(server, { defaultTimeout: '1h' }).create(wfe, 'workflows');
    expect(server.created).toMatchObject([{ spec: { activeDeadlineSeconds: 3600 } }]);
  });

  it('keeps a finished Job 600 s by default, and for ever with a null TTL', async () => {
    const server = new RecordingServer();
    await new JobExecutor(server).create(sampleExecution(), 'workflows');
    await new JobExecutor(server, { ttlSecondsAfterFinished: null }).create(
      sampleExecution(),
      'workflows',
    );
    const [kept, forever] = server.created as (KubeObject & { spec?: object })[];
    expect(kept?.spec).toMatchObject({ ttlSecondsAfterFinished: 600 });
    expect(forever?.spec).not.toHaveProperty('ttlSecondsAfterFinished');
  });

  it("answers a create, and a retried create that adopts the Job, with the Job's resourceVersion as stored", async () => {
    const api = new MemoryKubeClient();
    const executor = new JobExecutor(api);
    const wfe = sampleExecution({ name: 'versioned' });
    const created = await executor.create(wfe, 'workflows');
    const stored = () =>
      api.object(resources.jobs, 'workflows', created.resourceName)?.metadata?.resourceVersion;
    expect(created.resourceVersion).toBe(stored());
    api.setStatus(resources.jobs, 'workflows', created.resourceName, { active: 1 });
    const adopted = await executor.create(wfe, 'workflows');
    expect(adopted).toMatchObject({ adoptedKind: 'Job', resourceVersion: stored() });
    expect(adopted.resourceVersion).not.toBe(created.resourceVersion);
  });

  it('says an engineConfig is not used, unless the embedding controller builds the command from it', async () => {
    const engineConfig = { podTemplate: { hostNetwork: true }, command: ['sh', '-c', 'id'] };
    const wfe = sampleExecution({
      spec: {
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/b:1',
          engineConfig,
        },
      },
    });
    const server = new RecordingServer();
    const { warnings } = await new JobExecutor(server).create(wfe, 'workflows');
    expect(warnings).toEqual([
      'spec.workflowRef.engineConfig is not used by the job engine: the Job runs the bundle image as it is, with the parameters in its environment',
    ]);
    const plain = { ...wfe, spec: { ...wfe.spec, workflowRef: { ...wfe.spec.workflowRef } } };
    delete plain.spec.workflowRef.engineConfig;
    await new JobExecutor(server).create(plain, 'workflows');
    expect(server.created[0]).toEqual(server.created[1]);
    const embedded = new JobExecutor(server, { containerCommand: () => ({ command: ['run'] }) });
    expect((await embedded.create(wfe, 'workflows')).warnings).toEqual([]);
  });

  it('refuses an execution whose containerCommand argument the kernel would not pass, creating nothing', async () => {
    const server = new RecordingServer();
    const embedded = new JobExecutor(server, {
      containerCommand: (execution) => ({ args: [execution.spec.targetResource.repeat(20_000)] }),
    });
    await expect(embedded.create(sampleExecution({}), 'workflows')).rejects.toMatchObject({
      reason: 'ConfigurationError',
      issues: [{ path: 'containerCommand.args.0' }],
    });
    expect(server.created).toEqual([]);
  });

  it('keeps the task counts of a summary when a Job that cannot create its pod fails', async () => {
    const wfe = sampleExecution({});
    const job = builtJob(wfe, {});
    const reader = quotaRefusedReader(job);
    const executor = new JobExecutor(new RecordingServer(), { reader, startupGraceMs: 0 });
    expect(await executor.getStatus(wfe, 'workflows')).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'ResourceExhausted',
      summary: {
        status: 'False',
        reason: 'StartFailed',
        message: `the Job could not create its pod: ${quotedRefusal}`,
        completedTasks: 0,
        totalTasks: 1,
      },
      started: false,
    });
  });

  it('leaves a suspended Job Running without reading why an earlier pod create failed', async () => {
    const wfe = sampleExecution({});
    const job = builtJob(wfe, {
      conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }],
    });
    const listed: ResourceType[] = [];
    const refused = quotaRefusedReader(job);
    const reader: Reader = {
      get: refused.get,
      list: async (type, namespace, options) => {
        listed.push(type);
        return refused.list(type, namespace, options);
      },
    };
    const executor = new JobExecutor(new RecordingServer(), { reader, startupGraceMs: 0 });
    expect(await executor.getStatus(wfe, 'workflows')).toMatchObject({
      phase: 'Running',
      message: expect.stringMatching(/^Job suspended/),
    });
    expect(listed).toEqual([]);
  });

  it('says why a Job that failed at its deadline never had a pod: the Job controller could not create one', async () => {
    const wfe = sampleExecution({});
    const job = builtJob(wfe, deadlineExceeded('2026-01-01T00:00:11Z'));
    const reader = quotaRefusedReader(job);
    const status = await new JobExecutor(new RecordingServer(), { reader }).getStatus(
      wfe,
      'workflows',
    );
    const message = `Job was active longer than specified deadline; the Job could not create its pod: ${quotedRefusal}`;
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      failureReason: 'DeadlineExceeded',
      message,
      summary: { status: 'Unknown', message },
    });
  });
});

describe("JobExecutor: the start failure of a Job's own pod, not of one named like it", () => {
  it("names its own pod's FailedMount, not a newer one of a co-tenant's pod named <job>-<5 characters>", async () => {
    const wfe = sampleExecution({});
    const job = builtJob(wfe, deadlineExceeded('2026-01-01T00:10:01Z', { failed: 1 }));
    const name = job.metadata?.name;
    const mount = (pod: string, at: string, message: string) =>
      podWarning(pod, 'FailedMount', at, message);
    // The Job controller deleted its pod at the deadline: only the events are left.
    const reader: Reader = {
      get: async <T extends KubeObject>() => job as T,
      list: async <T extends KubeObject>(type: ResourceType, _ns?: string, options?: object) => {
        const fields = (options as { fieldSelector?: string } | undefined)?.fieldSelector ?? '';
        const items =
          type !== resources.events
            ? []
            : fields.startsWith('involvedObject.uid=job-uid')
              ? [
                  {
                    type: 'Normal',
                    reason: 'SuccessfulCreate',
                    message: `Created pod: ${name}-x7k2p`,
                  },
                ]
              : [
                  mount(`${name}-x7k2p`, '2026-01-01T00:00:05Z', 'secret "db" not found'),
                  mount(`${name}-decoy`, '2026-01-01T00:05:00Z', 'secret "theirs" not found'),
                ];
        return { items: items as unknown as T[], resourceVersion: '1' };
      },
    };
    const status = await new JobExecutor(new RecordingServer(), { reader }).getStatus(
      wfe,
      'workflows',
    );
    expect(status?.message).toBe(
      `Job was active longer than specified deadline; pod ${name}-x7k2p: FailedMount: secret "db" not found`,
    );
  });
});

describe('JobExecutor: the cause of a failure, only from a pod that never started', () => {
  const wfe = sampleExecution({});
  const job = builtJob(wfe, deadlineExceeded('2026-01-01T00:10:01Z', { failed: 1 }));
  const pod = `${job.metadata?.name}-x7k2p`;
  const deadline = 'Job was active longer than specified deadline';
  // The kubelet could not mount the Secret for a while, then it was created and the pod ran.
  const mount = {
    ...podWarning(pod, 'FailedMount', '2026-01-01T00:01:00Z', 'secret "db" not found'),
    involvedObject: { kind: 'Pod', name: pod, uid: 'pod-uid' },
  };
  const started = {
    involvedObject: {
      kind: 'Pod',
      name: pod,
      uid: 'pod-uid',
      fieldPath: 'spec.containers{workflow}',
    },
    type: 'Normal',
    reason: 'Started',
    message: 'Started container workflow',
    lastTimestamp: '2026-01-01T00:01:10Z',
  };
  /**
   * A Reader with the Job, its SuccessfulDelete of `deleted` at the deadline, the listed `pods`, and
   * the pod events `podEvents` answered as the API server filters them by type and reason; it
   * records each Events list's field selector.
   */
  const reader = (podEvents: object[], pods: object[] = [], deleted = pod) => {
    const lists: string[] = [];
    const served: Reader = {
      get: async <T extends KubeObject>() => job as T,
      list: async <T extends KubeObject>(type: ResourceType, _ns?: string, options?: object) => {
        if (type === resources.pods) return { items: pods as T[], resourceVersion: '1' };
        const fields = (options as { fieldSelector?: string } | undefined)?.fieldSelector ?? '';
        lists.push(fields);
        const terms = fields.split(',').map((term) => term.split('='));
        const matches = (event: Record<string, unknown>) =>
          terms.every(([key, value]) =>
            key === 'type' || key === 'reason'
              ? event[key] === value
              : key === 'involvedObject.name'
                ? (event.involvedObject as { name?: string }).name === value
                : true,
          );
        const items = fields.startsWith('involvedObject.kind=Pod')
          ? (podEvents as Record<string, unknown>[]).filter(matches)
          : [{ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${deleted}` }];
        return { items: items as unknown as T[], resourceVersion: '1' };
      },
    };
    return { served, lists };
  };
  const status = (r: Reader) =>
    new JobExecutor(new RecordingServer(), { reader: r }).getStatus(wfe, 'workflows');

  it("gives no warning of its gone pod from before the pod's start as the cause, at one more read", async () => {
    const { served, lists } = reader([mount, started]);
    expect((await status(served))?.message).toBe(deadline);
    expect(lists).toEqual([
      'involvedObject.uid=job-uid',
      'involvedObject.kind=Pod,type=Warning',
      `involvedObject.kind=Pod,involvedObject.name=${pod},reason=Started`,
    ]);
  });

  it('gives the warning of a gone pod that never started, its start read once', async () => {
    const { served, lists } = reader([mount]);
    expect((await status(served))?.message).toBe(
      `${deadline}; pod ${pod}: FailedMount: secret "db" not found`,
    );
    expect(lists).toHaveLength(3);
  });

  it('reads no start for a name no pod can have, which would not make a field selector', async () => {
    // Anyone who may write Events names what they like in one, the Job's record of a pod too.
    const odd = `${job.metadata?.name}-a,b=c`;
    const { served, lists } = reader(
      [{ ...mount, involvedObject: { kind: 'Pod', name: odd } }],
      [],
      odd,
    );
    expect((await status(served))?.message).toBe(
      `${deadline}; pod ${odd}: FailedMount: secret "db" not found`,
    );
    expect(lists).toHaveLength(2);
  });

  it('reads the start of a pod that is still there from the pod itself', async () => {
    // Its node went away while it ran: PodGC failed it, and the kubelet's last word is Running.
    const ran = {
      metadata: { name: pod, uid: 'pod-uid', creationTimestamp: '2026-01-01T00:00:01Z' },
      status: {
        phase: 'Failed',
        conditions: [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByPodGC',
            message: 'PodGC: node no longer exists',
          },
        ],
        containerStatuses: [
          { name: 'workflow', state: { running: { startedAt: '2026-01-01T00:01:10Z' } } },
        ],
      },
    };
    const { served, lists } = reader([mount], [ran]);
    expect((await status(served))?.message).toBe(
      `${deadline}; pod ${pod} DeletionByPodGC: PodGC: node no longer exists`,
    );
    expect(lists).toHaveLength(2);
  });
});

describe('JobExecutor: a root image under the restricted profile, failed at a deadline shorter than the grace', () => {
  const wfe = sampleExecution({});
  const job = builtJob(wfe, deadlineExceeded('2026-01-01T00:00:06Z', { failed: 1 }));
  const name = job.metadata?.name;
  const pod = `${name}-x7k2p`;
  const rootImage = `container has runAsNonRoot and image will run as root (pod: "${pod}_workflows(pod-uid)", container: workflow)`;
  /** The kubelet's Event for the container it could not create, about the pod `uid`. */
  const refused = (uid: string) => ({
    ...podWarning(pod, 'Failed', '2026-01-01T00:00:03Z', `Error: ${rootImage}`),
    involvedObject: { kind: 'Pod', name: pod, uid },
  });
  /** A Reader with the Job, its SuccessfulCreate, the pods' `warnings` and the listed `pods`. */
  const reader = (warnings: object[], pods: object[] = []): Reader => ({
    get: async <T extends KubeObject>() => job as T,
    list: async <T extends KubeObject>(type: ResourceType, _ns?: string, options?: object) => {
      const fields = (options as { fieldSelector?: string } | undefined)?.fieldSelector ?? '';
      const items =
        type === resources.pods
          ? pods
          : fields.startsWith('involvedObject.kind=Pod')
            ? warnings
            : [{ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod}` }];
      return { items: items as T[], resourceVersion: '1' };
    },
  });
  const status = (r: Reader) =>
    new JobExecutor(new RecordingServer(), { reader: r }).getStatus(wfe, 'workflows');
  const deadline = 'Job was active longer than specified deadline';

  it("names the kubelet's refusal from its Event once the Job controller deleted the pod", async () => {
    expect((await status(reader([refused('pod-uid')])))?.message).toBe(
      `${deadline}; pod ${pod}: Failed: Error: ${rootImage}`,
    );
  });

  it('names it once from the pod while the pod exists, and no Event of an earlier pod of its name', async () => {
    const waiting = {
      metadata: { name: pod, uid: 'pod-uid', creationTimestamp: '2026-01-01T00:00:01Z' },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'workflow',
            state: { waiting: { reason: 'CreateContainerConfigError', message: rootImage } },
          },
        ],
      },
    };
    expect((await status(reader([refused('pod-uid')], [waiting])))?.message).toBe(
      `${deadline}; container workflow in pod ${pod} never ran: CreateContainerConfigError: ${rootImage}`,
    );
    // The kubelet's status lost the wait (it ended the pod): only an Event of this very pod counts.
    const lost = { ...waiting, status: { phase: 'Failed' } };
    expect((await status(reader([refused('earlier-pod-uid')], [lost])))?.message).toBe(deadline);
    expect((await status(reader([refused('pod-uid')], [lost])))?.message).toBe(
      `${deadline}; pod ${pod}: Failed: Error: ${rootImage}`,
    );
  });
});

describe('JobExecutor: the start failure of a Job whose events have expired', () => {
  /** A Job failed at its deadline an hour on: the Job controller's SuccessfulCreate has expired. */
  const wfe = sampleExecution({});
  const job = builtJob(wfe, deadlineExceeded('2026-01-01T01:00:01Z', { failed: 1 }));
  const name = job.metadata?.name;
  const unschedulable =
    '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';

  /** A Reader with the Job, its own `jobEvents` (none once expired), the pods' `warnings` and the pods `existing`. */
  const expiredReader = (
    warnings: object[],
    existing: Record<string, KubeObject>,
    jobEvents: object[] = [],
  ): Reader => ({
    get: async <T extends KubeObject>(type: ResourceType, _ns: string | undefined, id: string) =>
      (type === resources.pods ? (existing[id] ?? null) : job) as T | null,
    list: async <T extends KubeObject>(type: ResourceType, _ns?: string, options?: object) => {
      const fields = (options as { fieldSelector?: string } | undefined)?.fieldSelector ?? '';
      const items =
        type !== resources.events
          ? []
          : fields.startsWith('involvedObject.kind=Pod')
            ? warnings
            : jobEvents;
      return { items: items as T[], resourceVersion: '1' };
    },
  });

  const status = (reader: Reader) =>
    new JobExecutor(new RecordingServer(), { reader }).getStatus(wfe, 'workflows');

  it("names the scheduler's reason for the gone pod named as the Job's, not a newer warning of a co-tenant's pod named alike", async () => {
    const reader = expiredReader(
      [
        // The scheduler keeps refreshing its event, so it outlives the Job's own.
        podWarning(`${name}-abcde`, 'FailedScheduling', '2026-01-01T00:59:30Z', unschedulable),
        podWarning(
          `${name}-zzzzz`,
          'FailedMount',
          '2026-01-01T00:59:50Z',
          'secret "theirs" not found',
        ),
      ],
      { [`${name}-zzzzz`]: { metadata: { name: `${name}-zzzzz`, labels: { app: 'theirs' } } } },
    );
    expect((await status(reader))?.message).toBe(
      `Job was active longer than specified deadline; pod ${name}-abcde: FailedScheduling: ${unschedulable}`,
    );
  });

  it("goes by name only once the Job's events have expired: while they say which pod it created, a gone pod named alike is not taken", async () => {
    const reader = expiredReader(
      [
        podWarning(`${name}-x7k2p`, 'FailedScheduling', '2026-01-01T00:20:00Z', unschedulable),
        podWarning(
          `${name}-abcde`,
          'FailedMount',
          '2026-01-01T00:20:30Z',
          'secret "theirs" not found',
        ),
      ],
      {},
      [{ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${name}-x7k2p` }],
    );
    expect((await status(reader))?.message).toBe(
      `Job was active longer than specified deadline; pod ${name}-x7k2p: FailedScheduling: ${unschedulable}`,
    );
  });

  it("names its own pod from the Job controller's deletion at the deadline once the record of its creation expired, not a gone co-tenant's pod named alike", async () => {
    const reader = expiredReader(
      [
        podWarning(`${name}-x7k2p`, 'FailedScheduling', '2026-01-01T00:59:30Z', unschedulable),
        podWarning(
          `${name}-abcde`,
          'FailedMount',
          '2026-01-01T00:59:50Z',
          'secret "theirs" not found',
        ),
      ],
      {},
      [
        {
          type: 'Warning',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        },
        { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}-x7k2p` },
      ],
    );
    expect((await status(reader))?.message).toBe(
      `Job was active longer than specified deadline; pod ${name}-x7k2p: FailedScheduling: ${unschedulable}`,
    );
  });

  it("takes no warning of a name no pod can have for the Job's own, and reads nothing for it", async () => {
    // Anyone who may write Events names what they like; the client refuses such a name as a path.
    const gets: string[] = [];
    const base = expiredReader(
      [
        podWarning(`${name}-abcde`, 'FailedScheduling', '2026-01-01T00:59:30Z', unschedulable),
        podWarning(`${name}-a/../`, 'FailedMount', '2026-01-01T00:59:50Z', 'secret "x" not found'),
      ],
      {},
    );
    const reader: Reader = {
      ...base,
      get: async <T extends KubeObject>(type: ResourceType, ns: string | undefined, id: string) => {
        gets.push(resourcePath(type, { namespace: ns, name: id }));
        return base.get<T>(type, ns, id);
      },
    };
    expect((await status(reader))?.message).toBe(
      `Job was active longer than specified deadline; pod ${name}-abcde: FailedScheduling: ${unschedulable}`,
    );
    expect(gets.filter((path) => path.includes('/pods/'))).toEqual([
      `/api/v1/namespaces/workflows/pods/${name}-abcde`,
    ]);
  });

  it("takes a pod named as the Job's that exists under the Job's uid", async () => {
    const reader = expiredReader(
      [podWarning(`${name}-abcde`, 'FailedScheduling', '2026-01-01T00:59:30Z', unschedulable)],
      {
        [`${name}-abcde`]: {
          metadata: {
            name: `${name}-abcde`,
            labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' },
          },
        },
      },
    );
    expect((await status(reader))?.message).toContain(`pod ${name}-abcde: FailedScheduling`);
  });
});

describe('JobExecutor: when to look again at a Job that has no ready pod yet', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The Job's status read at `time`, with the startup grace of 15 s from its creation at midnight. */
  async function statusAt(time: string, status: object, reader = quietReader) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(time));
    const wfe = sampleExecution({});
    const job = builtJob(wfe, status);
    const executor = new JobExecutor(new RecordingServer(), {
      reader: reader(job),
      startupGraceMs: 15_000,
    });
    return executor.getStatus(wfe, 'workflows');
  }

  it('asks to be read again when the grace runs out: a pod the API server keeps refusing changes nothing on the Job', async () => {
    expect(await statusAt('2026-01-01T00:00:04Z', { active: 0 })).toMatchObject({
      phase: 'Running',
      recheckAfterMs: 12_000,
    });
  });

  it('fails the start at the end of the grace, with no hint left', async () => {
    const status = await statusAt('2026-01-01T00:00:15Z', { active: 0 }, quotaRefusedReader);
    expect(status).toMatchObject({ phase: 'Failed', reason: 'StartFailed' });
    expect(status).not.toHaveProperty('recheckAfterMs');
  });

  it('looks again soon at a Job just past the grace that has no pod and no refusal yet: a create refused later changes nothing on the Job', async () => {
    expect(await statusAt('2026-01-01T00:00:16Z', { active: 0, ready: 0 })).toMatchObject({
      phase: 'Running',
      recheckAfterMs: 5_000,
    });
  });

  /**
   * A controller that looks at a Job with no pod as its results ask, from its creation at
   * midnight for ten minutes, while the API server's Events say nothing until `refusedAt`
   * (epoch ms) and the quota's refusal from then. Returns how many Events lists it cost and
   * when the start failed, if it did.
   */
  async function followPodless(refusedAt = Number.POSITIVE_INFINITY) {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-01-01T00:00:00Z');
    vi.setSystemTime(start);
    const wfe = sampleExecution({});
    const job = builtJob(wfe, { active: 0 });
    let eventLists = 0;
    const reader: Reader = {
      get: async <T extends KubeObject>() => job as T,
      list: async <T extends KubeObject>(type: ResourceType) => {
        if (type !== resources.events) return { items: [] as T[], resourceVersion: '1' };
        eventLists += 1;
        const refused = Date.now() >= refusedAt;
        return {
          items: (refused
            ? [{ type: 'Warning', reason: 'FailedCreate', message: quotaRefusal }]
            : []) as unknown as T[],
          resourceVersion: '1',
        };
      },
    };
    const executor = new JobExecutor(new RecordingServer(), { reader, startupGraceMs: 15_000 });
    while (Date.now() - start < 600_000) {
      const status = await executor.getStatus(wfe, 'workflows');
      if (status?.phase !== 'Running') return { eventLists, failedAt: Date.now(), status };
      expect(status.recheckAfterMs).toBeGreaterThan(0);
      vi.setSystemTime(Date.now() + (status.recheckAfterMs ?? 0));
    }
    return { eventLists, failedAt: undefined, status: undefined };
  }

  it('lists the Events of a Job that never gets a pod a few times after the grace, then once a minute, not every 5 s', async () => {
    const { eventLists, failedAt } = await followPodless();
    expect(failedAt).toBeUndefined();
    // A look every 5 s would list them 117 times in the 585 s past the grace.
    expect(eventLists).toBeLessThanOrEqual(15);
  });

  it('still fails a Job whose pod is refused soon after the grace within seconds, and one refused after minutes within a minute', async () => {
    const midnight = Date.parse('2026-01-01T00:00:00Z');
    const soon = await followPodless(midnight + 18_000);
    expect(soon.status).toMatchObject({ phase: 'Failed', failureReason: 'ResourceExhausted' });
    expect(soon.failedAt).toBeLessThanOrEqual(midnight + 18_000 + 5_000);
    const late = await followPodless(midnight + 300_000);
    expect(late.status).toMatchObject({ phase: 'Failed', failureReason: 'ResourceExhausted' });
    expect(late.failedAt).toBeLessThanOrEqual(midnight + 300_000 + 60_000);
  });

  it('keeps looking while the Job controller retries a create the API server could not judge', async () => {
    const unreachable = (job: KubeObject): Reader => ({
      get: async <T extends KubeObject>() => job as T,
      list: async <T extends KubeObject>(type: ResourceType) => ({
        items: (type === resources.events
          ? [
              {
                type: 'Warning',
                reason: 'FailedCreate',
                message:
                  'Error creating: Internal error occurred: failed calling webhook "pods.policy.example": Post "https://policy.example/validate": dial tcp 10.0.0.9:443: connect: connection refused',
              },
            ]
          : []) as unknown as T[],
        resourceVersion: '1',
      }),
    });
    // 25 s past the grace: looked at again after as long again.
    expect(await statusAt('2026-01-01T00:00:40Z', { active: 0 }, unreachable)).toMatchObject({
      phase: 'Running',
      recheckAfterMs: 25_000,
    });
  });

  it('neither reads nor looks again for a Job another controller manages: nothing here creates its pod', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:40Z'));
    const wfe = sampleExecution({});
    const job = builtJob(wfe, { active: 0, ready: 0 });
    job.spec = { ...(job.spec as object), managedBy: 'kueue.x-k8s.io/multikueue' };
    const lists: ResourceType[] = [];
    const reader: Reader = {
      get: async <T extends KubeObject>() => job as T,
      list: async <T extends KubeObject>(type: ResourceType) => {
        lists.push(type);
        return { items: [] as T[], resourceVersion: '1' };
      },
    };
    const executor = new JobExecutor(new RecordingServer(), { reader, startupGraceMs: 15_000 });
    const status = await executor.getStatus(wfe, 'workflows');
    expect(status).toMatchObject({ phase: 'Running' });
    expect(status).not.toHaveProperty('recheckAfterMs');
    expect(lists).toEqual([]);
  });

  /** A Reader with `job` and its one pod, `pod`, not yet running, as the controller's cache holds it. */
  const podReader =
    (waiting: { reason: string; message?: string } | undefined) =>
    (job: KubeObject): Reader => ({
      get: async <T extends KubeObject>() => job as T,
      list: async <T extends KubeObject>(type: ResourceType) => ({
        items: (type === resources.pods
          ? [
              {
                metadata: { name: `${job.metadata?.name}-x7k2p` },
                status: waiting
                  ? { containerStatuses: [{ name: 'workflow', state: { waiting } }] }
                  : {},
              },
            ]
          : []) as unknown as T[],
        resourceVersion: '1',
      }),
    });

  it.each([
    ['still pulling its image', { reason: 'ContainerCreating' }],
    ['not scheduled yet', undefined],
  ])(
    'looks again soon at a Job past the grace whose pod is %s: a pull that fails later changes nothing on the Job',
    async (_what, waiting) => {
      expect(
        await statusAt('2026-01-01T00:00:40Z', { active: 1 }, podReader(waiting)),
      ).toMatchObject({
        phase: 'Running',
        recheckAfterMs: 5_000,
      });
    },
  );

  it.each([
    ['Pending', 5_000],
    ['Failed', undefined],
  ])(
    'lists no Events for a Job whose status counts no pod yet while the cache holds its pod, %s: the create went through',
    async (phase, recheckAfterMs) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-01-01T00:00:40Z'));
      const wfe = sampleExecution({});
      const job = builtJob(wfe, { active: 0 });
      const listed: ResourceType[] = [];
      const reader: Reader = {
        get: async <T extends KubeObject>() => job as T,
        list: async <T extends KubeObject>(type: ResourceType) => {
          listed.push(type);
          return {
            items: (type === resources.pods
              ? [{ metadata: { name: `${job.metadata?.name}-x7k2p` }, status: { phase } }]
              : []) as unknown as T[],
            resourceVersion: '1',
          };
        },
      };
      const executor = new JobExecutor(new RecordingServer(), { reader, startupGraceMs: 15_000 });
      const status = await executor.getStatus(wfe, 'workflows');
      expect(status).toMatchObject({ phase: 'Running' });
      expect(status?.recheckAfterMs).toBe(recheckAfterMs);
      expect(listed).not.toContain(resources.events);
    },
  );

  it('fails the start at that look once the kubelet backs off the pull', async () => {
    const waiting = {
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "registry.invalid/b:1"',
    };
    const status = await statusAt('2026-01-01T00:00:45Z', { active: 1 }, podReader(waiting));
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'ImagePullBackOff',
    });
  });

  it.each([
    ['past the grace, with nothing wrong found', '2026-01-01T00:00:20Z', { active: 1 }],
    ['with a ready pod', '2026-01-01T00:00:04Z', { active: 1, ready: 1 }],
    [
      'suspended',
      '2026-01-01T00:00:04Z',
      { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }] },
    ],
    [
      'finished',
      '2026-01-01T00:00:04Z',
      { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
    ],
  ])('gives no hint for a Job %s: time alone changes nothing', async (_what, time, status) => {
    expect(await statusAt(time, status)).not.toHaveProperty('recheckAfterMs');
  });
});
