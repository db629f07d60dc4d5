import { describe, expect, it } from 'vitest';
import { isOciReference, ociDigestPattern } from './grammar.js';
import { digestProblem, pinnedReference } from './image-reference.js';

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

const hex = (digits: number) => '0123456789abcdef'.repeat(8).slice(0, digits);

describe('the digests the kubelet pulls by', () => {
  const ociDigest = new RegExp(ociDigestPattern);

  it.each([`sha256:${hex(64)}`, `sha384:${hex(96)}`, `sha512:${hex(128)}`])(
    'accepts %s: a registered algorithm with its length in lowercase hex',
    (digest) => {
      expect(digestProblem(digest)).toBeUndefined();
      expect(ociDigest.test(digest)).toBe(true);
      expect(isOciReference(`registry.example.com/team/app:1@${digest}`)).toBe(true);
    },
  );

  it.each([
    // distribution/reference's grammar lets these through; go-digest's Validate does not.
    [
      'sha256:x',
      'a sha256 digest is lowercase hex (0-9, a-f), as the registry reports it; write sha256:<64 lowercase hex digits>',
    ],
    [
      `sha256:${hex(63)}`,
      'a sha256 digest has 64 hex digits, this one 63; copy the whole digest the registry reports',
    ],
    [
      `sha256:${hex(65)}`,
      'a sha256 digest has 64 hex digits, this one 65; copy the whole digest the registry reports',
    ],
    [
      `sha512:${hex(64)}`,
      'a sha512 digest has 128 hex digits, this one 64; copy the whole digest the registry reports',
    ],
    [
      `sha256:${hex(64).toUpperCase()}`,
      'a sha256 digest is lowercase hex (0-9, a-f), as the registry reports it; write sha256:<64 lowercase hex digits>',
    ],
    [
      `md5:${hex(32)}`,
      'the kubelet pulls by sha256, sha384 or sha512 digests, not "md5"; pin the image by one of those',
    ],
    [
      `SHA256:${hex(64)}`,
      'the kubelet pulls by sha256, sha384 or sha512 digests, not "SHA256"; pin the image by one of those',
    ],
    [
      `sha256+b64:${hex(64)}`,
      'the kubelet pulls by sha256, sha384 or sha512 digests, not "sha256+b64"; pin the image by one of those',
    ],
    [
      hex(64),
      `"${hex(64)}" is not a digest: write algorithm:hex, such as sha256:<64 lowercase hex digits>`,
    ],
  ])('refuses %s, saying what to write instead', (digest, problem) => {
    expect(digestProblem(digest)).toBe(problem);
    expect(ociDigest.test(digest)).toBe(false);
    expect(isOciReference(`registry.example.com/team/app@${digest}`)).toBe(false);
  });
});
