import {
  PreviousExecutionNotCleanedError,
  QuotaExceededError,
  ResourceLockedError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeObject, kubernetesErrorFromResponse } from '@roundhouse/kube';
import { buildPod, type PodEngineSettings } from '@roundhouse/pod';
import { describe, expect, it } from 'vitest';
import { namespace, runObject, setup, statusWritten, task } from './reconciler.test-support.js';

describe('TaskRunReconciler refusals', () => {
  /** The pod engine's own checks, as `PodExecutor.create` makes them before sending anything. */
  const engine =
    (settings: Partial<PodEngineSettings>) =>
    (wfe: WorkflowExecution): void => {
      buildPod(wfe, namespace, undefined, {
        conventions: roundhouseConventions,
        serviceAccountName: 'default',
        securityProfile: 'restricted',
        allowedImages: ['registry.invalid/*'],
        ownerReference: false,
        ...settings,
      });
    };

  it("names the Task's parallel field when its parallel steps leave each too little of --step-resource-limits", async () => {
    const wide: KubeObject = {
      ...task,
      spec: {
        parallel: true,
        steps: Array.from({ length: 50 }, (_, i) => ({
          name: `s${i}`,
          image: 'registry.invalid/make:1',
          script: 'make',
        })),
      },
    };
    const { client, reconcile } = setup(runObject(), {
      task: wide,
      create: engine({ resources: { limits: { memory: '512Mi' } } }),
    });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({
      phase: 'Failed',
      reason: 'InvalidTask',
      message: expect.stringMatching(
        /^task\.spec\.parallel: parallel steps share the Pod's 512Mi of memory: 50 steps leave each /,
      ),
    });
  });

  it("names the Task's step image an image policy refuses", async () => {
    const { client, reconcile } = setup(runObject(), { create: engine({ allowedImages: [] }) });
    await reconcile();
    expect(statusWritten(client)).toMatchObject({
      phase: 'Failed',
      reason: 'Forbidden',
      message: expect.stringMatching(
        /^task\.spec\.steps\.0\.image: image "registry\.invalid\/make:1"/,
      ),
    });
  });
});

describe('TaskRunReconciler refusals by the API server', () => {
  it.each([
    [
      "a policy webhook's 400",
      400,
      'BadRequest',
      'admission webhook "validate.kyverno.svc-fail" denied the request: no',
    ],
    [
      "the API server's 422 for a Pod it finds invalid",
      422,
      'Invalid',
      'Pod "wfe-1a" is invalid: spec.containers[0].env[0].name: Invalid value: "1X"',
    ],
  ])('fails the run on %s, which no retry passes', async (_, code, reason, message) => {
    const refusal = kubernetesErrorFromResponse(
      code,
      { kind: 'Status', code, reason, message },
      'create Pod ci/wfe-1a',
    );
    const { client, reconcile } = setup(runObject(), {
      create: () => {
        throw refusal;
      },
    });
    await expect(reconcile()).resolves.toBeUndefined();
    expect(statusWritten(client)).toMatchObject({
      phase: 'Failed',
      reason: 'PodInvalid',
      message: expect.stringContaining(message),
    });
  });

  it('waits, retrying, while the namespace has no quota left for its Pod', async () => {
    const full = new QuotaExceededError('the API server refused the Pod: exceeded quota: pods');
    const { client, reconcile } = setup(runObject(), {
      create: () => {
        throw full;
      },
    });
    // Tried again in 1 s, the run's own backoff: held for 0 s so far.
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 1_000 });
    expect(statusWritten(client)).toEqual({
      phase: 'Pending',
      reason: 'ResourceExhausted',
      message: full.message,
      startTime: '2026-01-02T03:00:10Z',
    });
  });
});

describe('TaskRunReconciler waits', () => {
  const predecessor = { namespace, name: 'build-1' };
  const pod = (ownerReferences: Record<string, unknown>[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'wfe-1a', namespace, uid: 'pod-uid', ownerReferences },
  });
  const ownedBy = (uid: string) => ({
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'TaskRun',
    name: 'build-1',
    uid,
    controller: true,
  });
  /** The Pod of the run of this name that was deleted before this one was created. */
  const predecessorPod = pod([ownedBy('uid-0')]);
  /** An engine whose create is refused with `error`, as the pod engine's lock refuses it. */
  const refusedWith = (error: Error) => (): void => {
    throw error;
  };

  it.each([
    ['PreviousExecutionNotCleaned', new PreviousExecutionNotCleanedError('wfe-1a', predecessor)],
    // Labels naming this run on a Pod it does not own: the engine names no owner.
    ['ResourceLocked', new ResourceLockedError('wfe-1a', undefined)],
  ])(
    'for a deleted predecessor’s Pod of its name (%s), saying the garbage collector removes it',
    async (reason, error) => {
      const { client, reconcile } = setup(runObject(), {
        create: refusedWith(error),
        holder: predecessorPod,
      });
      await expect(reconcile()).resolves.toEqual({ requeueAfter: 1_000 });
      expect(statusWritten(client)).toEqual({
        phase: 'Pending',
        startTime: '2026-01-02T03:00:10Z',
        reason,
        message:
          'pod wfe-1a of an earlier TaskRun ci/build-1, since deleted, is still there; this run creates its own once the garbage collector has removed it',
      });
    },
  );

  it('for a Pod of its name that is being deleted, owned by nothing, saying it goes, not that nothing removes it', async () => {
    const leaving = pod([]);
    const holder = {
      ...leaving,
      metadata: { ...leaving.metadata, deletionTimestamp: '2026-01-02T03:00:05Z' },
    };
    const error = new ResourceLockedError('wfe-1a', undefined);
    const { client, reconcile } = setup(runObject(), { create: refusedWith(error), holder });
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 1_000 });
    expect(statusWritten(client)).toMatchObject({
      phase: 'Pending',
      reason: 'ResourceLocked',
      message: expect.stringMatching(
        /this run creates its own once the garbage collector has removed it$/,
      ),
    });
  });

  it.each([
    ['owned by nothing', pod([])],
    ['owned by this very run', pod([ownedBy('uid-1')])],
    // Tekton's TaskRun of the same name is no earlier run of this one's kind.
    [
      'owned by a TaskRun of another API group',
      pod([{ ...ownedBy('uid-0'), apiVersion: 'tekton.dev/v1' }]),
    ],
  ])(
    'for a Pod of its name that no earlier run of its name owns (%s), saying nothing removes it',
    async (_, holder) => {
      // Its labels (copied, or none) name this run or nobody: the engine names no owner.
      const error = new ResourceLockedError('wfe-1a', undefined);
      const { client, reconcile } = setup(runObject(), { create: refusedWith(error), holder });
      await expect(reconcile()).resolves.toEqual({ requeueAfter: 1_000 });
      expect(statusWritten(client)).toEqual({
        phase: 'Pending',
        startTime: '2026-01-02T03:00:10Z',
        reason: 'ResourceLocked',
        message:
          "pod wfe-1a has the name this run's Pod needs and is no earlier TaskRun ci/build-1's, so nothing will remove it; this run creates its own once it is deleted",
      });
    },
  );

  it('for a Pod of its name that another owner claims, naming that owner', async () => {
    const error = new ResourceLockedError('wfe-1a', { namespace, name: 'other' });
    const { client, reconcile } = setup(runObject(), { create: refusedWith(error) });
    await expect(reconcile()).resolves.toEqual({ requeueAfter: 1_000 });
    expect(statusWritten(client)).toEqual({
      phase: 'Pending',
      reason: 'ResourceLocked',
      message: error.message,
      startTime: '2026-01-02T03:00:10Z',
    });
  });
});
