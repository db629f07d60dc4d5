import { describe, expect, it } from 'vitest';
import { formatKubeMicroTime, formatKubeTime } from './kube-time.js';

describe('Kubernetes time formats', () => {
  const instant = new Date('2026-11-30T11:23:41.987Z');

  it('writes metav1.Time with whole seconds, cut rather than rounded', () => {
    expect(formatKubeTime(instant)).toBe('2026-11-30T11:23:41Z');
  });

  it('writes metav1.MicroTime with exactly six fractional digits', () => {
    expect(formatKubeMicroTime(instant)).toBe('2026-11-30T11:23:41.987000Z');
  });
});
