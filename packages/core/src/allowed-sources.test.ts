import { describe, expect, it } from 'vitest';
import { isAllowedSource } from './allowed-sources.js';

describe('isAllowedSource', () => {
  it('allows nothing without patterns, and anything with *', () => {
    expect(isAllowedSource([], 'registry.example.com/team/tool:1')).toBe(false);
    expect(isAllowedSource(['*'], 'registry.example.com/team/tool:1')).toBe(true);
  });

  it('takes a path prefix ending in /* for everything below it, and only that', () => {
    const patterns = ['registry.example.com/team/*'];
    expect(isAllowedSource(patterns, 'registry.example.com/team/tool:1')).toBe(true);
    expect(isAllowedSource(patterns, 'registry.example.com/team/sub/tool@sha256:ab')).toBe(true);
    expect(isAllowedSource(patterns, 'registry.example.com/teammate/tool:1')).toBe(false);
    expect(isAllowedSource(patterns, 'registry.example.com.evil.io/team/tool:1')).toBe(false);
  });

  it('takes every tag of one repository with :*', () => {
    const patterns = ['registry.example.com/team/tool:*'];
    expect(isAllowedSource(patterns, 'registry.example.com/team/tool:2')).toBe(true);
    expect(isAllowedSource(patterns, 'registry.example.com/team/tool-evil:2')).toBe(false);
    expect(isAllowedSource(patterns, 'registry.example.com/team/tool:2@sha256:ab')).toBe(true);
  });

  it('reads what follows a repository:* as a tag, never as a registry port and a path', () => {
    expect(isAllowedSource(['alpine:*'], 'alpine:3.20')).toBe(true);
    expect(isAllowedSource(['alpine:*'], 'alpine:5000/evil/tool:1')).toBe(false);
    expect(isAllowedSource(['registry:5000/tf:*'], 'registry:5000/tf:1')).toBe(true);
    expect(isAllowedSource(['registry:5000/tf:*'], 'registry:5000/tf:1/x')).toBe(false);
  });

  it('compares other patterns exactly, as written', () => {
    expect(isAllowedSource(['busybox:1.37'], 'busybox:1.37')).toBe(true);
    expect(isAllowedSource(['busybox:1.37'], 'docker.io/library/busybox:1.37')).toBe(false);
    expect(isAllowedSource(['registry.example.com/team'], 'registry.example.com/team/x:1')).toBe(
      false,
    );
  });
});
