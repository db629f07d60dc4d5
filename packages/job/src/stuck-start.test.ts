import { describe, expect, it } from 'vitest';
import { explainStuckStart, isStarting } from './stuck-start.js';

const waitingPod = (reason: string, message = 'details') => ({
  metadata: { name: 'wfe-1-abcde' },
  status: { containerStatuses: [{ name: 'workflow', state: { waiting: { reason, message } } }] },
});

describe('explainStuckStart', () => {
  it('names a pull that will not succeed', () => {
    expect(explainStuckStart([waitingPod('ImagePullBackOff', 'back-off pulling x:1')], [])).toEqual(
      {
        reason: 'ImagePullBackOff',
        description:
          'container workflow in pod wfe-1-abcde cannot start: ImagePullBackOff: back-off pulling x:1',
      },
    );
    expect(explainStuckStart([waitingPod('InvalidImageName')], [])?.reason).toBe(
      'ImagePullBackOff',
    );
  });

  it('names a container that cannot be configured (a missing Secret key)', () => {
    expect(explainStuckStart([waitingPod('CreateContainerConfigError')], [])?.reason).toBe(
      'ConfigurationError',
    );
  });

  it('leaves a pod that is merely slow alone', () => {
    expect(explainStuckStart([waitingPod('ContainerCreating')], [])).toBeUndefined();
    expect(explainStuckStart([waitingPod('ErrImagePull')], [])).toBeUndefined();
  });

  it('waits while the container runtime times out creating the container, as the kubelet retries', () => {
    expect(
      explainStuckStart([waitingPod('CreateContainerError', 'context deadline exceeded')], []),
    ).toBeUndefined();
  });

  it("reports the Job controller's FailedCreate when no pod could be created", () => {
    const events = [
      { type: 'Normal', reason: 'SuccessfulCreate', message: 'ok' },
      {
        type: 'Warning',
        reason: 'FailedCreate',
        message: 'pods "wfe-1" is forbidden: exceeded quota',
      },
    ];
    expect(explainStuckStart([], events)).toEqual({
      reason: 'ConfigurationError',
      description: 'the Job could not create its pod: pods "wfe-1" is forbidden: exceeded quota',
    });
    expect(explainStuckStart([], [])).toBeUndefined();
  });

  it('reads a pod refused past a ResourceQuota as the namespace out of room, as the Tekton engine does', () => {
    const exceeded =
      'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message: exceeded }]),
    ).toEqual({
      reason: 'ResourceExhausted',
      description:
        'the Job could not create its pod: Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: exceeded quota: no-pods, resources: pods',
    });
    // A quota that wants requests the pod template lacks: the template must change.
    const unsatisfied =
      'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: failed quota: compute: must specify limits.cpu for: workflow';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message: unsatisfied }]),
    ).toMatchObject({ reason: 'ConfigurationError' });
  });

  it("quotes a quota refusal without the namespace's usage, which other executions' pods make up", () => {
    const exceeded =
      'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: exceeded quota: shared, requested: limits.memory=1Gi,requests.cpu=500m, used: limits.memory=63Gi,requests.cpu=31500m, limited: limits.memory=64Gi,requests.cpu=32';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message: exceeded }]),
    ).toEqual({
      reason: 'ResourceExhausted',
      description:
        'the Job could not create its pod: Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: exceeded quota: shared, resources: limits.memory,requests.cpu',
    });
    // A refusal that is no quota's keeps its text: what the author must change is in it.
    const unsatisfied =
      'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: failed quota: compute: must specify limits.cpu for: workflow';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message: unsatisfied }])
        ?.description,
    ).toBe(`the Job could not create its pod: ${unsatisfied}`);
  });

  it('waits out a quota whose usage the quota controller has not counted yet, as the Job controller retries', () => {
    const message =
      'Error creating: pods "wfe-0123456789abcdef-x7k2p" is forbidden: status unknown for quota: compute, resources: pods';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message }]),
    ).toBeUndefined();
  });

  it('reports a pod an admission webhook denies, and waits out one the API server could not call', () => {
    const denied =
      'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: resource Pod/workflows/wfe-0123456789abcdef-x7k2p was blocked due to the following policies';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message: denied }]),
    ).toEqual({
      reason: 'ConfigurationError',
      description: `the Job could not create its pod: ${denied}`,
    });
    const unreachable =
      'Error creating: Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/fail?timeout=10s": context deadline exceeded';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message: unreachable }]),
    ).toBeUndefined();
  });

  it("refuses an invalid pod template as well, in the Job controller's own wording", () => {
    const message =
      'Error creating: pods "wfe-0123456789abcdef-" is invalid: spec.containers[0].image: Required value';
    expect(
      explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message }]),
    ).toMatchObject({ reason: 'ConfigurationError' });
  });

  it('waits out a FailedCreate the Job controller retries: a timeout, a 5xx, throttling', () => {
    for (const message of [
      'Error creating: Timeout: request did not complete within requested timeout - context deadline exceeded',
      'Error creating: Internal error occurred: resource quota evaluation timed out',
      'Error creating: the server was unable to return a response in the time allotted, but may still be processing the request (post pods)',
      'Error creating: Too many requests, please try again later.',
    ]) {
      expect(
        explainStuckStart([], [{ type: 'Warning', reason: 'FailedCreate', message }]),
        message,
      ).toBeUndefined();
    }
  });
});

describe('isStarting', () => {
  const withState = (state: object, metadata: object = { name: 'wfe-1-abcde' }) => ({
    metadata,
    status: { containerStatuses: [{ name: 'workflow', state }] },
  });

  it('holds for a pod not scheduled yet or still waiting, so a late failure is looked for soon', () => {
    expect(isStarting([{ metadata: { name: 'wfe-1-abcde' }, status: {} }])).toBe(true);
    expect(isStarting([waitingPod('ContainerCreating')])).toBe(true);
  });

  it('does not hold for a pod that ran or is being deleted, nor for none: the Job itself changes then', () => {
    expect(isStarting([])).toBe(false);
    expect(isStarting([withState({ terminated: { exitCode: 1 } })])).toBe(false);
    // Rejected by the kubelet (or evicted) before its container had any state.
    expect(isStarting([{ metadata: { name: 'wfe-1-abcde' }, status: { phase: 'Failed' } }])).toBe(
      false,
    );
    expect(isStarting([{ metadata: { name: 'wfe-1-abcde' }, status: { phase: 'Pending' } }])).toBe(
      true,
    );
    expect(isStarting([withState({ running: {} })])).toBe(false);
    expect(
      isStarting([
        withState(
          { waiting: { reason: 'ContainerCreating' } },
          {
            name: 'wfe-1-abcde',
            deletionTimestamp: '2026-01-01T00:00:00Z',
          },
        ),
      ]),
    ).toBe(false);
  });
});
