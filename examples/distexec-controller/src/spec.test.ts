import { describe, expect, it } from 'vitest';
import {
  argvOf,
  DistExecSpecSchema,
  distExecView,
  maxProgramChars,
  resultsOf,
  selects,
} from './spec.js';

const metadata = { name: 'ls', namespace: 'default', uid: 'u1', generation: 2 };

describe('argvOf', () => {
  it('splits command on single spaces, as dist-exec does (no shell, empty arguments kept)', () => {
    expect(argvOf({ command: 'ls -a' })).toEqual(['ls', '-a']);
    expect(argvOf({ command: 'echo a  b' })).toEqual(['echo', 'a', '', 'b']);
    expect(argvOf({ command: 'echo "a b"' })).toEqual(['echo', '"a', 'b"']);
  });

  it('takes argv as given and runs shell through /bin/sh -c', () => {
    expect(argvOf({ argv: ['echo', 'a b'] })).toEqual(['echo', 'a b']);
    expect(argvOf({ shell: 'ls | wc -l' })).toEqual(['/bin/sh', '-c', 'ls | wc -l']);
  });
});

describe('DistExecSpecSchema', () => {
  it('wants exactly one of command, argv and shell', () => {
    expect(DistExecSpecSchema.safeParse({ command: 'ls' }).success).toBe(true);
    expect(DistExecSpecSchema.safeParse({}).success).toBe(false);
    expect(DistExecSpecSchema.safeParse({ command: 'ls', argv: ['ls'] }).success).toBe(false);
  });

  it('bounds what a program and a selector take, so the result of every node fits beside them', () => {
    // Arguments of 4096 characters each, the longest one may be, after the program's name.
    const argv = (chars: number) => [
      'sh',
      ...Array.from({ length: 4 }, (_, i) => 'x'.repeat(i < 3 ? 4096 : chars - 2 - 3 * 4096)),
    ];
    expect(DistExecSpecSchema.safeParse({ argv: argv(maxProgramChars) }).success).toBe(true);
    const view = distExecView({ metadata, spec: { argv: argv(maxProgramChars + 1) } });
    expect(!view.spec.valid && view.spec.message).toMatch(
      /^spec\.argv: holds 16385 characters, more than the 16384 a program may take/,
    );
    const labels = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
    expect(DistExecSpecSchema.safeParse({ shell: 'x', nodeSelector: labels(64) }).success).toBe(
      true,
    );
    expect(DistExecSpecSchema.safeParse({ shell: 'x', nodeSelector: labels(65) }).success).toBe(
      false,
    );
    expect(
      DistExecSpecSchema.safeParse({ shell: 'x', nodeSelector: { a: 'v'.repeat(64) } }).success,
    ).toBe(false);
  });

  it('refuses a nodeSelector no node can match, naming the label, where it would run nowhere in silence', () => {
    const selecting = (nodeSelector: Record<string, string>) =>
      distExecView({ metadata, spec: { shell: 'x', nodeSelector } }).spec;
    for (const key of [
      'kubernetes.io/os',
      'os',
      'Node_Pool.v2',
      `${'a'.repeat(253)}/${'b'.repeat(63)}`,
    ]) {
      expect(selecting({ [key]: 'linux' }).valid, key).toBe(true);
    }
    expect(selecting({ 'kubernetes.io/os': '' }).valid).toBe(true);
    for (const key of [
      'os type',
      'Example.com/os',
      'a/b/c',
      '/os',
      'os/',
      '-os',
      `${'b'.repeat(64)}`,
    ]) {
      const spec = selecting({ [key]: 'linux' });
      expect(!spec.valid && spec.message, key).toContain(
        `spec.nodeSelector: "${key}" is no label key, so no node has it and the DistExec would run nowhere; write a key such as "kubernetes.io/os" or "example.com/pool"`,
      );
    }
    for (const value of ['linux amd64', '-linux', 'linux/amd64']) {
      const spec = selecting({ 'kubernetes.io/os': value });
      expect(!spec.valid && spec.message, value).toMatch(
        /^spec\.nodeSelector\.kubernetes\.io\/os: is no label value, so no node has it/,
      );
    }
  });

  it('refuses what would run no program', () => {
    expect(DistExecSpecSchema.safeParse({ command: ' ls' }).success).toBe(false);
    expect(DistExecSpecSchema.safeParse({ argv: [] }).success).toBe(false);
    expect(DistExecSpecSchema.safeParse({ argv: ['a\0b'] }).success).toBe(false);
    const view = distExecView({ metadata, spec: { argv: ['', 'ls'] } });
    expect(!view.spec.valid && view.spec.message).toMatch(/^spec\.argv\.0: is empty/);
  });

  it('refuses an image the job engine could not pull, naming spec.image and the form it wants', () => {
    expect(DistExecSpecSchema.safeParse({ shell: 'x', image: 'busybox:1.37' }).success).toBe(true);
    expect(
      DistExecSpecSchema.safeParse({
        shell: 'x',
        image: `registry.example.com:5000/a/b@sha256:${'ab'.repeat(32)}`,
      }).success,
    ).toBe(true);
    // A digest the kubelet would refuse: too short.
    expect(
      DistExecSpecSchema.safeParse({ shell: 'x', image: 'registry.example.com:5000/a/b@sha256:ab' })
        .success,
    ).toBe(false);
    const view = distExecView({ metadata, spec: { shell: 'x', image: 'Busybox:1.37' } });
    expect(!view.spec.valid && view.spec.message).toMatch(
      /spec\.image: must be an OCI image reference, its repository path in lowercase/,
    );
  });

  it("says what is wrong with an image's digest when the rest of the reference is right", () => {
    const image = `registry.example.com:5000/a/b:1@sha256:${'a'.repeat(63)}`;
    const view = distExecView({ metadata, spec: { shell: 'x', image } });
    expect(!view.spec.valid && view.spec.message).toContain(
      'spec.image: its digest: a sha256 digest has 64 hex digits, this one 63; copy the whole digest the registry reports',
    );
    // A bad name too: the general form, since fixing the digest alone would not do.
    const both = distExecView({
      metadata,
      spec: { shell: 'x', image: `Busybox@sha256:${'a'.repeat(63)}` },
    });
    expect(!both.spec.valid && both.spec.message).toMatch(
      /spec\.image: must be an OCI image reference, its repository path in lowercase/,
    );
  });

  it('bounds retries and timeouts', () => {
    expect(DistExecSpecSchema.safeParse({ shell: 'x', retries: 11 }).success).toBe(false);
    expect(DistExecSpecSchema.safeParse({ shell: 'x', timeoutSeconds: 0 }).success).toBe(false);
    expect(DistExecSpecSchema.safeParse({ shell: 'x', timeoutSeconds: 1.5 }).success).toBe(false);
  });
});

describe('distExecView', () => {
  it('reads the generation, the spec and the well-formed entries', () => {
    const entry = { phase: 'Succeeded', attempts: 1, observedGeneration: 2 };
    const view = distExecView({
      metadata,
      spec: { command: 'ls' },
      status: { results: { n1: entry, n2: { phase: 'Exploded' } } },
    });
    expect(view.generation).toBe(2);
    expect(view.spec).toEqual({ valid: true, value: { command: 'ls' } });
    // A malformed entry reads as absent rather than hiding the others.
    expect(view.results).toEqual({ n1: entry });
  });

  it('names every bad field of an invalid spec', () => {
    const view = distExecView({ metadata, spec: { command: ' ls', retries: -1 } });
    expect(view.spec.valid).toBe(false);
    expect(!view.spec.valid && view.spec.message).toMatch(
      /spec\.retries: .*spec\.command: starts with a space/,
    );
  });

  it('reads no results from a status without them', () => {
    expect(resultsOf(undefined)).toEqual({});
    expect(resultsOf({ results: 'nope' })).toEqual({});
  });
});

describe('selects', () => {
  it('selects a node that has every label of the selector', () => {
    expect(selects(undefined, undefined)).toBe(true);
    expect(selects({}, { a: '1' })).toBe(true);
    expect(selects({ a: '1' }, { a: '1', b: '2' })).toBe(true);
    expect(selects({ a: '1', b: '3' }, { a: '1', b: '2' })).toBe(false);
    expect(selects({ a: '1' }, undefined)).toBe(false);
  });
});
