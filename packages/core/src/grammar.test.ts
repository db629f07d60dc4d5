import { describe, expect, it } from 'vitest';
import { referenceDigestProblem } from './grammar.js';

const hex = (n: number) => 'a'.repeat(n);

describe('referenceDigestProblem', () => {
  it("says what is wrong with a well-formed reference's digest", () => {
    expect(referenceDigestProblem('registry.example.com/app:1@sha256:x')).toMatch(
      /^a sha256 digest is lowercase hex/,
    );
    expect(referenceDigestProblem(`registry.example.com/app@sha256:${hex(63)}`)).toBe(
      'a sha256 digest has 64 hex digits, this one 63; copy the whole digest the registry reports',
    );
  });

  it('says nothing of a digest the kubelet pulls by, or of a reference without one', () => {
    expect(referenceDigestProblem(`registry.example.com/app@sha256:${hex(64)}`)).toBeUndefined();
    expect(referenceDigestProblem('registry.example.com/app:1')).toBeUndefined();
    expect(referenceDigestProblem('ssh://git@github.com/acme/playbooks.git')).toBeUndefined();
  });

  it('leaves a reference wrong beyond its digest to the whole-reference message', () => {
    expect(referenceDigestProblem('Bad Name@sha256:abc')).toBeUndefined();
    expect(referenceDigestProblem(`registry.example.com/app@sha256:${hex(64)}@x`)).toBeUndefined();
  });
});
