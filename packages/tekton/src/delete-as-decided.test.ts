import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import {
  type DeleteOptions,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type Reader,
} from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FinallyRunningError } from './graceful-finally.js';
import { buildPipelineRun } from './pipeline-run-spec.js';
import { TektonExecutor } from './tekton-executor.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const minutes = (n: number) => n * 60_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('TektonExecutor.cleanup of a run written since its cache read it', () => {
  const wfe = sampleExecution({});
  const namespace = 'workflows';

  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * An API server holding this execution's running run at resourceVersion 5, whose delete
   * answers 409 Conflict when its preconditions name another version (as the API server does),
   * and a controller's cache holding version 5 for as long as the test looks. `write` stores a
   * change at version 6 (another process's patch, or Tekton's status write). With `deleting`,
   * the run is being deleted (its deletionTimestamp and finalizers).
   */
  function cacheOfVersion5(deleting?: { deletionTimestamp: string; finalizers: string[] }) {
    const built = buildPipelineRun(wfe, namespace, undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      pipelineName: 'workflow',
    });
    let stored: KubeObject & { spec: Record<string, unknown> } = {
      ...built,
      metadata: {
        ...built.metadata,
        uid: 'run-uid',
        creationTimestamp: at(start),
        resourceVersion: '5',
        ...deleting,
      },
      spec: { ...built.spec, timeouts: { pipeline: '1h0m0s', tasks: '1h0m0s' } },
      status: {
        conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
        startTime: at(start),
      },
    };
    const cached = structuredClone(stored);
    const server = new KubeClient(new KubeConfig());
    const get = vi
      .spyOn(server, 'get')
      .mockImplementation(async <T>() => structuredClone(stored) as T);
    const deleted: string[] = [];
    const attempts = vi
      .spyOn(server, 'delete')
      .mockImplementation(async (_type, _namespace, _name, options?: DeleteOptions) => {
        const version = options?.preconditions?.resourceVersion;
        if (version !== undefined && version !== stored.metadata?.resourceVersion) {
          throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
        }
        deleted.push(version ?? '');
        return true;
      });
    const cache: Reader = {
      get: async <T extends KubeObject>() => structuredClone(cached) as unknown as T,
      list: async () => ({ items: [], resourceVersion: '1' }),
    };
    const write = (spec: Record<string, unknown>, status?: object) => {
      stored = {
        ...stored,
        metadata: { ...stored.metadata, resourceVersion: '6' },
        spec: { ...stored.spec, ...spec },
        ...(status ? { status } : {}),
      };
    };
    return {
      executor: new TektonExecutor(server, { reader: cache }),
      write,
      deleted: () => deleted,
      reads: () => get.mock.calls.length,
      attempts: () => attempts.mock.calls.length,
      deleteOptions: () => attempts.mock.calls.map(([, , , options]) => options),
    };
  }

  it("waits for the finally of a graceful cancel another process wrote, which the cache's copy lacks", async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    for (const specStatus of ['CancelledRunFinally', 'StoppedRunFinally']) {
      const { executor, write, deleted } = cacheOfVersion5();
      write({ status: specStatus });
      const cleanup = executor.cleanup(wfe, namespace);
      await expect(cleanup, specStatus).rejects.toBeInstanceOf(FinallyRunningError);
      await expect(cleanup).rejects.toMatchObject({ until: start + minutes(60) });
      expect(deleted(), specStatus).toEqual([]);
    }
  });

  it('deletes a run written since without a graceful cancel, as the API server holds it', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const hard = cacheOfVersion5();
    hard.write({ status: 'Cancelled' });
    await hard.executor.cleanup(wfe, namespace);
    expect(hard.deleted()).toEqual(['6']);
    // A graceful cancel whose finally has ended: Tekton finished the run.
    const ended = cacheOfVersion5();
    ended.write(
      { status: 'CancelledRunFinally' },
      { conditions: [{ type: 'Succeeded', status: 'False', reason: 'Cancelled' }] },
    );
    await ended.executor.cleanup(wfe, namespace);
    expect(ended.deleted()).toEqual(['6']);
  });

  it('sends nothing for a run already being deleted in the foreground, whatever the garbage collector wrote since', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, write, reads, attempts } = cacheOfVersion5({
      deletionTimestamp: at(start + minutes(9)),
      finalizers: ['foregroundDeletion'],
    });
    write({});
    await executor.cleanup(wfe, namespace);
    expect({ reads: reads(), attempts: attempts() }).toEqual({ reads: 0, attempts: 0 });
  });

  it("turns someone else's orphaning or background delete, held by another finalizer, into a foreground one, whatever was written since", async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    for (const finalizers of [['example.com/hold', 'orphan'], ['example.com/hold']]) {
      const { executor, write, reads, deleteOptions } = cacheOfVersion5({
        deletionTimestamp: at(start + minutes(9)),
        finalizers,
      });
      write({});
      await executor.cleanup(wfe, namespace);
      expect(reads(), finalizers.join()).toBe(0);
      // The uid alone: the version the cache holds is no longer the stored one.
      expect(deleteOptions(), finalizers.join()).toEqual([
        { preconditions: { uid: 'run-uid' }, propagationPolicy: 'Foreground', signal: undefined },
      ]);
    }
  });

  it("deletes a run nobody wrote since on the cache's word alone, sending no read", async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted, reads, attempts } = cacheOfVersion5();
    await executor.cleanup(wfe, namespace);
    expect(deleted()).toEqual(['5']);
    expect({ reads: reads(), attempts: attempts() }).toEqual({ reads: 0, attempts: 1 });
  });
});
