import { describe, expect, it } from 'vitest';
import { hopelessWait, waitFailure } from './hopeless-waits.js';

describe('hopelessWait', () => {
  it('classifies the waits no retry cures, and none that may pass', () => {
    expect(hopelessWait('ImagePullBackOff')).toBe('ImagePullBackOff');
    expect(hopelessWait('InvalidImageName')).toBe('ImagePullBackOff');
    expect(hopelessWait('ErrImageNeverPull')).toBe('ImagePullBackOff');
    expect(hopelessWait('CreateContainerConfigError')).toBe('ConfigurationError');
    expect(hopelessWait('ErrImagePull')).toBeUndefined();
    expect(hopelessWait('ContainerCreating')).toBeUndefined();
    expect(hopelessWait(undefined)).toBeUndefined();
  });

  it.each([
    ['CreateContainerError', 'context deadline exceeded'],
    [
      'CreateContainerError',
      'failed to reserve container name "workflow_wfe-1-abcde_ns_uid_0": name "workflow_wfe-1-abcde_ns_uid_0" is reserved for "7c54f31e"',
    ],
    [
      'CreateContainerConfigError',
      'failed to sync configmap cache: timed out waiting for the condition',
    ],
    [
      'CreateContainerConfigError',
      'failed to sync secret cache: timed out waiting for the condition',
    ],
  ])('waits out a %s the runtime or the kubelet itself caused: %s', (reason, message) => {
    expect(hopelessWait(reason, message)).toBeUndefined();
  });

  it('still gives up on what the pod asks for', () => {
    expect(
      hopelessWait(
        'CreateContainerConfigError',
        'container has runAsNonRoot and image will run as root',
      ),
    ).toBe('ConfigurationError');
    expect(hopelessWait('CreateContainerConfigError', 'secret "db" not found')).toBe(
      'ConfigurationError',
    );
    expect(hopelessWait('CreateContainerError', 'no command specified')).toBe('ConfigurationError');
  });

  it("reads no reason from the object's prototype", () => {
    expect(hopelessWait('constructor')).toBeUndefined();
    expect(hopelessWait('__proto__')).toBeUndefined();
    expect(hopelessWait('toString')).toBeUndefined();
  });
});

describe('waitFailure', () => {
  it('names the failure a wait stood for by the same table, ErrImagePull included once the Job ended', () => {
    for (const reason of ['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']) {
      expect(waitFailure(reason)).toBe('ImagePullBackOff');
      expect(hopelessWait(reason)).toBe(waitFailure(reason));
    }
    for (const reason of ['CreateContainerConfigError', 'CreateContainerError']) {
      expect(waitFailure(reason, 'secret "db" not found')).toBe('ConfigurationError');
      expect(hopelessWait(reason, 'secret "db" not found')).toBe('ConfigurationError');
    }
    expect(waitFailure('ErrImagePull')).toBe('ImagePullBackOff');
    expect(waitFailure('ContainerCreating')).toBeUndefined();
    expect(waitFailure('toString')).toBeUndefined();
  });

  it("blames no pod for the node's own trouble", () => {
    expect(waitFailure('CreateContainerError', 'context deadline exceeded')).toBeUndefined();
  });
});
