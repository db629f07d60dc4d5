import { describe, expect, it } from 'vitest';
import { hopelessWait } from './hopeless-waits.js';

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
