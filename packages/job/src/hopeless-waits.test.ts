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

  it("reads no reason from the object's prototype", () => {
    expect(hopelessWait('constructor')).toBeUndefined();
    expect(hopelessWait('__proto__')).toBeUndefined();
    expect(hopelessWait('toString')).toBeUndefined();
  });
});
