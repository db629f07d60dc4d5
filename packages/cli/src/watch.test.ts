import { PassThrough } from 'node:stream';
import type {
  KubeClient,
  KubeObject,
  ResourceType,
  WatchEvent,
  WatchOptions,
  WatchOutcome,
} from '@roundhouse/kube';
import { workflowExecutionApi } from '@roundhouse/workflowexecution';
import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from './errors.js';
import type { Session } from './session.js';
import type { Terminal } from './terminal.js';
import type { Execution } from './views.js';
import { waitForStart, watchExecutions } from './watch.js';

const execution = (uid: string, phase: string, resourceVersion: string): Execution => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'WorkflowExecution',
  metadata: { name: 'a', namespace: 'team-a', uid, resourceVersion },
  spec: { executionEngine: 'job', targetResource: 'prod/deployment/a' },
  status: { phase, startTime: '2026-03-01T10:00:00Z' } as Execution['status'],
});

/**
 * A session over a scripted API server: each list answers with the next of `lists` (the last
 * one again after that), and each watch is handed to `onWatch`, then stays open until stopped.
 */
function scripted(
  lists: KubeObject[][],
  onWatch: (send: (e: WatchEvent) => void) => void,
  workflowExecutions: ResourceType = workflowExecutionApi().resource,
  requested: ResourceType[] = [],
) {
  let listed = 0;
  const client = {
    list: async (type: ResourceType) => {
      requested.push(type);
      return {
        items: lists[Math.min(listed++, lists.length - 1)] ?? [],
        resourceVersion: `${listed}`,
      };
    },
    watch: (
      type: ResourceType,
      _namespace: unknown,
      send: (e: WatchEvent) => void,
      options: WatchOptions,
    ) =>
      new Promise<WatchOutcome>((resolve) => {
        requested.push(type);
        if (options.signal?.aborted) resolve({ end: 'stopped' });
        options.signal?.addEventListener('abort', () => resolve({ end: 'stopped' }));
        onWatch(send);
      }),
  } as unknown as KubeClient;
  return {
    client,
    workflowExecutions,
    clusterConfig: undefined,
    server: 'https://127.0.0.1:6443',
    call: (_access: unknown, run: () => Promise<unknown>) => run(),
    explain: async (error: unknown) => error,
  } as unknown as Session;
}

function plainTerminal() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => {
    text += chunk;
  });
  const term: Terminal = {
    out,
    err: new PassThrough(),
    live: false,
    colors: createColors(false),
    logText: (line) => line,
  };
  return { term, printed: () => text };
}

describe('watchExecutions', () => {
  it("lists and watches the executions of the session's API group", async () => {
    const kubernaut = workflowExecutionApi('kubernaut.ai').resource;
    const requested: ResourceType[] = [];
    const session = scripted(
      [[execution('uid-1', 'Completed', '5')]],
      () => {},
      kubernaut,
      requested,
    );
    const { term } = plainTerminal();
    const code = await watchExecutions(
      session,
      term,
      { namespace: 'team-a', names: ['a'] },
      new AbortController().signal,
    );
    expect(code).toBe(0);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.map((type) => `${type.plural}.${type.group}`)).toEqual(
      requested.map(() => 'workflowexecutions.kubernaut.ai'),
    );
  });

  it('says a deletion it did not see is one whose final state it does not know', async () => {
    // The informer's watch gets an event it cannot cache, relists, and the execution is gone:
    // it may have completed first; the last phase seen (Running) is not how it ended.
    let watches = 0;
    const session = scripted(
      [[execution('uid-1', 'Running', '5')], [execution('uid-1', 'Running', '5')], []],
      (send) => {
        if (watches++ === 0) send({ type: 'MODIFIED', object: { metadata: { name: 'a' } } });
      },
    );
    const { term, printed } = plainTerminal();
    const code = await watchExecutions(
      session,
      term,
      { namespace: 'team-a', names: ['a'] },
      new AbortController().signal,
    );
    expect(printed()).toContain('team-a/a: deleted, final state not seen (last seen Running)\n');
    expect(printed()).not.toContain('deleted before it finished');
    expect(code).toBe(1);
  });

  it('does not take a new execution of the same name for the one it was asked to watch', async () => {
    // Deleted and created again (by whoever may write the namespace) between the watch's list
    // and its informer's: the new one's Completed is not the watched one's outcome.
    const session = scripted(
      [[execution('uid-1', 'Running', '5')], [execution('uid-2', 'Completed', '9')]],
      () => {},
    );
    const { term, printed } = plainTerminal();
    const code = await watchExecutions(
      session,
      term,
      { namespace: 'team-a', names: ['a'] },
      new AbortController().signal,
    );
    expect(printed()).toContain('team-a/a: deleted, final state not seen (last seen Running)\n');
    expect(printed()).toContain('0 completed, 1 failed\n');
    expect(code).toBe(1);
  });

  it('keeps the outcome of an execution deleted after it ended', async () => {
    const session = scripted(
      [
        [
          execution('uid-1', 'Running', '5'),
          {
            ...execution('uid-9', 'Running', '5'),
            metadata: { name: 'b', namespace: 'team-a', uid: 'uid-9', resourceVersion: '5' },
          },
        ],
      ],
      (send) => {
        send({ type: 'MODIFIED', object: execution('uid-1', 'Completed', '6') });
        send({ type: 'DELETED', object: execution('uid-1', 'Completed', '7') });
        send({
          type: 'MODIFIED',
          object: {
            ...execution('uid-9', 'Completed', '8'),
            metadata: { name: 'b', namespace: 'team-a', uid: 'uid-9', resourceVersion: '8' },
          },
        });
      },
    );
    const { term, printed } = plainTerminal();
    const code = await watchExecutions(
      session,
      term,
      { namespace: 'team-a' },
      new AbortController().signal,
    );
    expect(printed()).not.toContain('deleted');
    expect(printed()).toContain('2 completed, 0 failed\n');
    expect(code).toBe(0);
  });
});

describe('waitForStart', () => {
  it('does not wait for a new execution created under the name of the one it was asked for', async () => {
    // logs -f read uid-1, not started; it is deleted and another, already running, takes its
    // name: its output is not the asked-for execution's.
    const started = {
      ...execution('uid-2', 'Running', '9'),
      status: { phase: 'Running', executionRef: { name: 'wfe-other' } },
    } as Execution;
    const session = scripted([[started]], () => {});
    await expect(
      waitForStart(session, 'team-a', 'a', new AbortController().signal, 60_000, 'uid-1'),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
