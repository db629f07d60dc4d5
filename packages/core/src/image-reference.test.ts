import { describe, expect, it } from 'vitest';
import { pinnedReference } from './image-reference.js';

describe('pinnedReference', () => {
  it('appends the digest, replacing an existing one', () => {
    expect(pinnedReference('repo/app:1', undefined)).toBe('repo/app:1');
    expect(pinnedReference('repo/app', 'sha256:ab')).toBe('repo/app@sha256:ab');
    expect(pinnedReference('repo/app:1@sha256:old', 'sha256:new')).toBe('repo/app:1@sha256:new');
    expect(pinnedReference('registry:5000/app:1', 'sha256:ab')).toBe(
      'registry:5000/app:1@sha256:ab',
    );
  });
});
