import { describe, expect, it } from 'vitest';
import { executionLogs, startedContainers } from './execution-logs.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';

const running = { running: { startedAt: '2026-01-01T00:00:00Z' } };
const terminated = { terminated: { exitCode: 0 } };
const waiting = { waiting: { reason: 'ContainerCreating' } };

function pod(
  name: string,
  created: string,
  containers: Record<string, object | undefined>,
): KubeObject {
  return {
    metadata: { name, creationTimestamp: created },
    spec: { containers: Object.keys(containers).map((c) => ({ name: c })) },
    status: {
      containerStatuses: Object.entries(containers)
        .filter(([, state]) => state !== undefined)
        .map(([c, state]) => ({ name: c, state })),
    },
  };
}

describe('startedContainers', () => {
  it('lists started containers, oldest pod first, in spec order unless the sources name them', () => {
    const pods = [
      pod('run-b', '2026-01-01T00:00:02Z', { 'step-one': terminated, 'step-two': running }),
      pod('run-a', '2026-01-01T00:00:01Z', { prepare: terminated, 'step-x': waiting }),
      pod('run-c', '2026-01-01T00:00:03Z', { 'step-y': undefined }),
    ];
    expect(startedContainers(pods, { labelSelector: 'x' })).toEqual([
      { pod: 'run-a', container: 'prepare' },
      { pod: 'run-b', container: 'step-one' },
      { pod: 'run-b', container: 'step-two' },
    ]);
    expect(
      startedContainers(pods, { labelSelector: 'x', containers: ['step-two', 'step-one'] }),
    ).toEqual([
      { pod: 'run-b', container: 'step-two' },
      { pod: 'run-b', container: 'step-one' },
    ]);
  });

  it("reads init containers' statuses too, init containers first in spec order", () => {
    // A pod engine's sequential Pod: every step but the last is an init container.
    const sequential: KubeObject = {
      metadata: { name: 'wfe-1', creationTimestamp: '2026-01-01T00:00:01Z' },
      spec: {
        initContainers: [{ name: 'fetch' }, { name: 'build' }, { name: 'lint' }],
        containers: [{ name: 'publish' }],
      },
      status: {
        initContainerStatuses: [
          { name: 'build', state: running },
          { name: 'fetch', state: terminated },
          { name: 'lint', state: waiting },
        ],
        containerStatuses: [{ name: 'publish', state: waiting }],
      },
    };
    expect(startedContainers([sequential], { labelSelector: 'x' })).toEqual([
      { pod: 'wfe-1', container: 'fetch' },
      { pod: 'wfe-1', container: 'build' },
    ]);
    expect(
      startedContainers([sequential], {
        labelSelector: 'x',
        containers: ['fetch', 'build', 'lint', 'publish'],
      }),
    ).toEqual([
      { pod: 'wfe-1', container: 'fetch' },
      { pod: 'wfe-1', container: 'build' },
    ]);
  });

  it('counts a restarted container by its last state', () => {
    const restarted = pod('job-1', '2026-01-01T00:00:01Z', { workflow: undefined });
    (restarted.status as { containerStatuses: object[] }).containerStatuses = [
      { name: 'workflow', state: waiting, lastState: terminated },
    ];
    expect(startedContainers([restarted], { labelSelector: 'x' })).toEqual([
      { pod: 'job-1', container: 'workflow' },
    ]);
  });
});

/** A client double: pods appear per poll, each container's log is a fixed list of lines. */
function fakeClient(polls: KubeObject[][], logs: Record<string, string[] | Error>) {
  let poll = 0;
  const requests: { pod: string; container: string | undefined; follow: boolean }[] = [];
  const client = {
    async list() {
      const items = polls[Math.min(poll, polls.length - 1)] ?? [];
      poll += 1;
      return { items, resourceVersion: '1' };
    },
    async *logs(_ns: string, name: string, options: { container?: string; follow?: boolean }) {
      requests.push({ pod: name, container: options.container, follow: options.follow === true });
      const lines = logs[`${name}/${options.container}`] ?? [];
      if (lines instanceof Error) throw lines;
      yield* lines;
    },
  } as unknown as KubeClient;
  return { client, requests, polls: () => poll };
}

async function collect(lines: AsyncIterable<{ source: string; text: string }>) {
  const out: string[] = [];
  for await (const line of lines) out.push(`${line.source} ${line.text}`);
  return out;
}

describe('executionLogs', () => {
  const first = pod('run-a', '2026-01-01T00:00:01Z', { step: terminated });
  const second = pod('run-b', '2026-01-01T00:00:02Z', { step: running });

  it('reads each started container in turn without follow', async () => {
    const { client, requests } = fakeClient([[second, first]], {
      'run-a/step': ['a1', 'a2'],
      'run-b/step': ['b1'],
    });
    const lines = await collect(
      executionLogs(client, 'ns', { labelSelector: 'x' }, { finished: async () => true }),
    );
    expect(lines).toEqual(['run-a/step a1', 'run-a/step a2', 'run-b/step b1']);
    expect(requests.every((r) => !r.follow)).toBe(true);
  });

  it('follows pods that start later until the resource finished, reading each container once', async () => {
    let finishedAfter = 2;
    const { client, requests } = fakeClient([[first], [first, second], [first, second]], {
      'run-a/step': ['a1'],
      'run-b/step': ['b1', 'b2'],
    });
    const lines = await collect(
      executionLogs(
        client,
        'ns',
        { labelSelector: 'x' },
        {
          follow: true,
          pollIntervalMs: 1,
          finished: async () => {
            finishedAfter -= 1;
            return finishedAfter <= 0;
          },
        },
      ),
    );
    expect(lines.sort()).toEqual(['run-a/step a1', 'run-b/step b1', 'run-b/step b2']);
    expect(requests).toEqual([
      { pod: 'run-a', container: 'step', follow: true },
      { pod: 'run-b', container: 'step', follow: true },
    ]);
  });

  it('ends the stream of a pod deleted while it is read, and fails on any other error', async () => {
    const gone = new KubernetesApiError('NotFound', 'pods "run-a" not found', 404);
    const { client } = fakeClient([[first]], { 'run-a/step': gone });
    expect(
      await collect(
        executionLogs(client, 'ns', { labelSelector: 'x' }, { finished: async () => true }),
      ),
    ).toEqual([]);
    const forbidden = new KubernetesApiError('Forbidden', 'pods/log is forbidden', 403);
    const refused = fakeClient([[first]], { 'run-a/step': forbidden });
    await expect(
      collect(
        executionLogs(
          refused.client,
          'ns',
          { labelSelector: 'x' },
          { follow: true, finished: async () => true },
        ),
      ),
    ).rejects.toBe(forbidden);
  });
});
