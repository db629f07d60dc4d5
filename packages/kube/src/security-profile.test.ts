import { describe, expect, it } from 'vitest';
import { restrictedSecurityProfile } from './security-profile.js';

describe('restrictedSecurityProfile', () => {
  it('meets the restricted Pod Security Standard and turns service links off', () => {
    const { pod, container, podSpec } = restrictedSecurityProfile();
    expect(pod).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec).toEqual({ enableServiceLinks: false });
  });

  it('gives each caller its own objects, so a change to one built pod reaches no other', () => {
    const first = restrictedSecurityProfile();
    first.container.capabilities?.drop?.push('NET_RAW');
    (first.pod.seccompProfile as { type: string }).type = 'Unconfined';
    const second = restrictedSecurityProfile();
    expect(second.container.capabilities?.drop).toEqual(['ALL']);
    expect(second.pod.seccompProfile?.type).toBe('RuntimeDefault');
  });
});
