import {
  ConfigurationError,
  ExecutionForbiddenError,
  QuotaExceededError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  buildPod,
  type PodEngineSettings,
  PodExecutor,
  type PodExecutorOptions,
} from '@roundhouse/pod';
import {
  containerOutcomes,
  describeWithControlPlane,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  allowedImages,
  finishPod,
  patience,
  podInitializing,
  running,
  runningPod,
  terminated,
  threeSteps,
  withSteps,
  writeStepStatuses,
} from './drive.js';

let sequence = 0;
function execution(engineConfig: object = threeSteps): WorkflowExecution {
  sequence += 1;
  const wfe = sampleExecution({
    name: `pod-${sequence}`,
    spec: { targetResource: `team-a/deployment/pod-${sequence}` },
  });
  return withSteps({ ...wfe, metadata: { ...wfe.metadata, uid: `uid-${sequence}` } }, engineConfig);
}

const podSettings: PodEngineSettings = {
  conventions: roundhouseConventions,
  serviceAccountName: roundhouseConventions.defaultServiceAccountName,
  securityProfile: 'restricted',
  allowedImages,
  ownerReference: false,
};

const withRef = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name } },
});

describeWithControlPlane('PodExecutor on a real control plane', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);
  const executor = (options: PodExecutorOptions = {}) =>
    new PodExecutor(client(), { allowedImages, ...options });

  async function settle(ex: PodExecutor, wfe: WorkflowExecution) {
    return vi.waitFor(async () => {
      const status = await ex.getStepStatus(wfe, env.namespace);
      expect(status?.result.phase).toMatch(/Completed|Failed/);
      return status!;
    }, patience);
  }

  it('runs sequential steps as init containers in order, then completes', async () => {
    const ex = executor();
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace);
    const pod = await runningPod(client(), env.namespace, resourceName);
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      initContainers: [{ name: 'fetch' }, { name: 'build' }],
      // "$" doubled for the kubelet, which reduces "$$" to "$" before the shell sees it.
      containers: [{ name: 'report', command: ['/bin/sh', '-e', '-c', 'curl -fsS "$$HOOK"'] }],
    });
    expect((await ex.getStatus(withRef(wfe, resourceName), env.namespace))?.phase).toBe('Running');
    await finishPod(client(), env.namespace, resourceName, 0);
    const done = await settle(ex, withRef(wfe, resourceName));
    expect(done.result).toMatchObject({
      phase: 'Completed',
      reason: 'Succeeded',
      summary: { status: 'True', completedTasks: 3, totalTasks: 3 },
    });
    expect(done.podName).toBe(resourceName);
    expect(done.steps.map((s) => [s.name, s.state])).toEqual([
      ['fetch', 'Succeeded'],
      ['build', 'Succeeded'],
      ['report', 'Succeeded'],
    ]);
  });

  it('stops at the first failed step: its exit code, and no later step started', async () => {
    const ex = executor();
    const wfe = withRef(execution(), '');
    const { resourceName } = await ex.create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    const at = (s: number) =>
      new Date(Date.UTC(2026, 0, 2, 3, 0, s)).toISOString().replace('.000', '');
    await writeStepStatuses(client(), env.namespace, resourceName, {
      initContainerStatuses: { fetch: terminated(0, at(1), at(2)), build: running(at(2)) },
      containerStatuses: { report: podInitializing },
    });
    const midway = await vi.waitFor(async () => {
      const status = await ex.getStepStatus(ref, env.namespace);
      expect(status?.result.reason).toBe('StepRunning');
      return status!;
    }, patience);
    expect(midway.result.message).toBe('running step build (2/3)');
    expect(midway.steps).toEqual([
      {
        name: 'fetch',
        state: 'Succeeded',
        exitCode: 0,
        reason: 'Completed',
        startedAt: at(1),
        finishedAt: at(2),
      },
      { name: 'build', state: 'Running', startedAt: at(2) },
      { name: 'report', state: 'Waiting', reason: 'PodInitializing' },
    ]);
    await writeStepStatuses(client(), env.namespace, resourceName, {
      phase: 'Failed',
      initContainerStatuses: {
        fetch: terminated(0, at(1), at(2)),
        build: terminated(3, at(2), at(4)),
      },
      containerStatuses: { report: podInitializing },
    });
    const failed = await settle(ex, ref);
    expect(failed.result).toMatchObject({
      phase: 'Failed',
      reason: 'StepFailed',
      failedTaskName: 'build',
      exitCode: 3,
      failureReason: 'TaskFailed',
    });
    expect(failed.steps.map((s) => s.state)).toEqual(['Succeeded', 'Failed', 'Skipped']);
    expect(await ex.getStatus(ref, env.namespace)).toEqual(failed.result);
  });

  it("adds the kubelet's FailedMount to a pod that failed at its deadline before any step exited", async () => {
    const ex = executor();
    const wfe = withRef(execution(), '');
    const { resourceName } = await ex.create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    await runningPod(client(), env.namespace, resourceName);
    // What a kubelet reports of a volume whose Secret is gone while the step runs, then of the
    // deadline. The step started by now: a warning from up to its start (times are whole
    // seconds) is of a wait that ended, and is not given.
    const at = new Date(Date.now() + 2_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await client().create(resources.events, env.namespace, {
      metadata: { name: `${resourceName}.mount` },
      involvedObject: { kind: 'Pod', name: resourceName, namespace: env.namespace },
      reason: 'FailedMount',
      type: 'Warning',
      message: 'MountVolume.SetUp failed for volume "deps" : secret "db" not found',
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      source: { component: 'kubelet' },
    });
    await client().patch(
      resources.pods,
      env.namespace,
      resourceName,
      {
        status: {
          phase: 'Failed',
          reason: 'DeadlineExceeded',
          message: 'Pod was active on the node longer than the specified deadline',
        },
      },
      { subresource: 'status', strategy: 'merge' },
    );
    const failed = await settle(ex, ref);
    expect(failed.result).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.result.message).toBe(
      `Pod was active on the node longer than the specified deadline; pod ${resourceName}: FailedMount: MountVolume.SetUp failed for volume "deps" : secret "db" not found`,
    );
    expect(await ex.getStatus(ref, env.namespace)).toEqual(failed.result);
  });

  it("says a pod no node can take waits for one, with the scheduler's reason", async () => {
    const ex = executor({ pod: { nodeSelector: { 'roundhouse.dev/no-such-node': 'true' } } });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    await vi.waitFor(async () => {
      const status = await ex.getStatus(ref, env.namespace);
      expect(status).toMatchObject({ phase: 'Pending', reason: 'PodPending' });
      expect(status?.message).toMatch(
        /^waiting for a node: Unschedulable: 0\/\d+ nodes are available/,
      );
    }, patience);
    await ex.cleanup(ref, env.namespace);
  });

  it("fails a pod no node can take at its deadline, with the scheduler's reason", async () => {
    // No node carries the label, so the scheduler never places the Pod and no kubelet ever
    // starts counting its activeDeadlineSeconds.
    const ex = executor({ pod: { nodeSelector: { 'roundhouse.dev/no-such-node': 'true' } } });
    const base = execution();
    const wfe = { ...base, spec: { ...base.spec, executionConfig: { timeout: '2s' } } };
    const { resourceName } = await ex.create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    const failed = await settle(ex, ref);
    expect(failed.result).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      failureReason: 'DeadlineExceeded',
    });
    expect(failed.result.message).toMatch(
      new RegExp(
        `^pod ${resourceName} was not started within its deadline \\(2s\\): Unschedulable: `,
      ),
    );
    await ex.cleanup(ref, env.namespace);
    expect(await ex.getStatus(ref, env.namespace)).toBeNull();
  });

  it('reads a Pod its deletion stopped as gone, not as a step that failed', async () => {
    const ex = executor();
    const wfe = withRef(execution(), '');
    const { resourceName } = await ex.create(wfe, env.namespace);
    const ref = withRef(wfe, resourceName);
    const hold = 'roundhouse.dev/test-hold';
    const finalizers = (list: string[]) =>
      client().patch(
        resources.pods,
        env.namespace,
        resourceName,
        { metadata: { finalizers: list } },
        { strategy: 'merge' },
      );
    // The finalizer keeps the Pod terminating, as a kubelet's grace period does.
    await finalizers([hold]);
    const at = (s: number) => new Date(Date.now() + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    await writeStepStatuses(client(), env.namespace, resourceName, {
      initContainerStatuses: { fetch: terminated(0, at(-2), at(-1)), build: running(at(-1)) },
      containerStatuses: { report: podInitializing },
    });
    await ex.cleanup(ref, env.namespace);
    // What the kubelet reports once it has killed the running step: a step that exits promptly
    // on SIGTERM finishes in the very second the API server took the deletion request.
    type Deleting = KubeObject & { metadata?: { deletionGracePeriodSeconds?: number } };
    const deleting = await client().get<Deleting>(resources.pods, env.namespace, resourceName);
    const { deletionTimestamp, deletionGracePeriodSeconds } = deleting?.metadata ?? {};
    const askedAt = Date.parse(deletionTimestamp ?? '') - (deletionGracePeriodSeconds ?? 0) * 1000;
    const killedAt = new Date(askedAt).toISOString().replace(/\.\d+Z$/, 'Z');
    await writeStepStatuses(client(), env.namespace, resourceName, {
      phase: 'Failed',
      initContainerStatuses: {
        fetch: terminated(0, at(-2), at(-1)),
        build: terminated(143, at(-1), killedAt),
      },
      containerStatuses: { report: podInitializing },
    });
    expect(await ex.getStatus(ref, env.namespace)).toBeNull();
    expect(await ex.getStepStatus(ref, env.namespace)).toBeNull();
    await finalizers([]);
  });

  it('runs parallel steps as main containers and reports the one that failed', async () => {
    const ex = executor({
      podAnnotations: containerOutcomes({
        lint: { exitCode: 0, runSeconds: 0.5 },
        test: { exitCode: 2, runSeconds: 0.5 },
      }),
    });
    const config = {
      parallel: true,
      steps: [
        { name: 'lint', image: 'registry.invalid/lint:1', script: 'lint .' },
        { name: 'test', image: 'registry.invalid/test:1', script: 'test ./...' },
      ],
    };
    const wfe = execution(config);
    const { resourceName } = await ex.create(wfe, env.namespace);
    const pod = await client().get<KubeObject & { spec: Record<string, unknown> }>(
      resources.pods,
      env.namespace,
      resourceName,
    );
    expect(pod?.spec.initContainers).toBeUndefined();
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed.result).toMatchObject({
      phase: 'Failed',
      reason: 'StepFailed',
      message: 'step test exited with code 2 (Error)',
      failedTaskName: 'test',
      exitCode: 2,
      summary: { status: 'False', completedTasks: 1, totalTasks: 2 },
    });
    expect(failed.steps.map((s) => [s.name, s.state, s.exitCode])).toEqual([
      ['lint', 'Succeeded', 0],
      ['test', 'Failed', 2],
    ]);
    expect(failed.steps.every((s) => s.startedAt && s.finishedAt)).toBe(true);
  });

  it('refuses a Pod too large to store as bad input, not as a passing server error', async () => {
    const ex = executor();
    const config = {
      steps: Array.from({ length: 20 }, (_, i) => ({
        name: `step-${i}`,
        image: 'registry.invalid/tool:1',
        script: 'true',
      })),
    };
    const base = execution(config);
    const parameters = Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, 'x'.repeat(25_000)]));
    const wfe = { ...base, spec: { ...base.spec, parameters } };
    const refused = await ex.create(wfe, env.namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect(refused).toMatchObject({ retryable: false });
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });

  it("refuses a Pod with no room for its kubelet's status, and stores the status of the largest it makes", async () => {
    const ex = executor();
    const steps = (scriptLength: number) => ({
      steps: Array.from({ length: 100 }, (_, i) => ({
        name: `step-${i}`,
        image: 'registry.invalid/tool:1',
        script: 'x'.repeat(scriptLength),
      })),
    });
    // About 1.56 MB of Pod: the API server stores it, then refuses the kubelet's status writes.
    const tooLarge = execution(steps(15_100));
    const refused = await ex.create(tooLarge, env.namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect(await ex.getStatus(tooLarge, env.namespace)).toBeNull();

    let length = 15_100;
    while (length > 0) {
      try {
        buildPod(execution(steps(length)), env.namespace, undefined, podSettings);
        break;
      } catch {
        length -= 100;
      }
    }
    const largest = execution(steps(length));
    const { resourceName } = await ex.create(largest, env.namespace);
    await runningPod(client(), env.namespace, resourceName);
    // What a kubelet writes once every step ran: a status per container, ids and all.
    const id = `containerd://${'f'.repeat(64)}`;
    const at = '2026-01-01T00:00:00Z';
    const kubeletStatus = (i: number) => ({
      name: `step-${i}`,
      image: 'registry.invalid/tool:1',
      imageID: `registry.invalid/tool@sha256:${'f'.repeat(64)}`,
      containerID: id,
      ready: false,
      restartCount: 0,
      started: false,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          message: 'x'.repeat(120),
          startedAt: at,
          finishedAt: at,
          containerID: id,
        },
      },
      lastState: {},
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp', readOnly: false, recursiveReadOnly: 'Disabled' },
      ],
      user: { linux: { uid: 65532, gid: 65532, supplementalGroups: [65532] } },
    });
    await client().patch(
      resources.pods,
      env.namespace,
      resourceName,
      {
        status: {
          phase: 'Succeeded',
          initContainerStatuses: Array.from({ length: 99 }, (_, i) => kubeletStatus(i)),
          containerStatuses: [kubeletStatus(99)],
        },
      },
      { subresource: 'status', strategy: 'merge' },
    );
    const done = await settle(ex, withRef(largest, resourceName));
    expect(done.result).toMatchObject({ phase: 'Completed', summary: { completedTasks: 100 } });
  });

  it("says the bundle's digest pins nothing, and refuses unpinned step images when told to", async () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const base = execution();
    const wfe = {
      ...base,
      spec: {
        ...base.spec,
        workflowRef: { ...base.spec.workflowRef, executionBundleDigest: digest },
      },
    };
    const pinnedOnly = executor({ requireDigest: true });
    await expect(pinnedOnly.create(wfe, env.namespace)).rejects.toThrow(
      /^spec\.workflowRef\.engineConfig\.steps\.0\.image: this engine runs only step images pinned to a digest/,
    );
    expect(await pinnedOnly.getStatus(wfe, env.namespace)).toBeNull();
    const { warnings } = await executor().create(wfe, env.namespace);
    expect(warnings).toContain(
      'spec.workflowRef.executionBundleDigest is not used by the pod engine: each step names its own image; pin a step to a digest in its image (image@sha256:...)',
    );
  });

  it("refuses a Pod the namespace's pod security profile does not allow as bad input", async () => {
    const namespace = await env.controlPlane.createNamespace('pod-psa');
    await client().patch(resources.namespaces, undefined, namespace, {
      metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    // Without the restricted security context, the Pod violates the namespace's profile.
    const ex = executor({ securityProfile: 'none' });
    const wfe = execution();
    const refused = await ex.create(wfe, namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect(refused).toMatchObject({ retryable: false });
    expect((refused as Error).message).toMatch(
      /^the API server refused the Pod: pods "[^"]+" is forbidden: violates PodSecurity "restricted:latest"/,
    );
    expect(await ex.getStatus(wfe, namespace)).toBeNull();
  });

  it('refuses a Pod without the resources a quota counts as bad input naming them', async () => {
    const namespace = await env.controlPlane.createNamespace('pod-quota');
    // Once counted: a quota admission has not seen yet lets the Pod through.
    await env.controlPlane.createEnforcedQuota(namespace, 'compute', { 'limits.cpu': '2' });
    const ex = executor();
    const wfe = execution();
    const refused = await ex.create(wfe, namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect(refused).toMatchObject({
      issues: [
        {
          path: 'spec.workflowRef.resources',
          message: expect.stringMatching(
            /is forbidden: failed quota: compute: must specify limits\.cpu/,
          ),
        },
      ],
    });
  });

  it('refuses a Pod in a namespace whose quota is full as ResourceExhausted', async () => {
    const namespace = await env.controlPlane.createNamespace('pod-quota-full');
    await env.controlPlane.createEnforcedQuota(namespace, 'no-pods', { pods: '0' });
    const refused = await executor()
      .create(execution(), namespace)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect(refused).toMatchObject({
      reason: 'ResourceExhausted',
      retryable: false,
      message: expect.stringMatching(/is forbidden: exceeded quota: no-pods/),
    });
  });

  it('creates nothing for an image it does not allow', async () => {
    const ex = executor({ allowedImages: ['registry.example.com/*'] });
    const wfe = execution();
    await expect(ex.create(wfe, env.namespace)).rejects.toBeInstanceOf(ExecutionForbiddenError);
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });
});
