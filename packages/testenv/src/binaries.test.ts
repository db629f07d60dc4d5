import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildBinaries,
  buildScript,
  cacheDir,
  ensureBinaries,
  locate,
  pinnedVersions,
  requiredBinaries,
  searchPath,
} from './binaries.js';
import { BinariesNotFoundError, ToolchainMissingError } from './errors.js';

describe('cacheDir', () => {
  it('keys the directory on every pinned version', () => {
    expect(cacheDir({}, '/home/u')).toBe(
      '/home/u/.cache/roundhouse/k8s-v1.36.3-etcd-v3.6.8-kwok-v0.8.0',
    );
  });

  it('honours ROUNDHOUSE_CACHE_DIR, then XDG_CACHE_HOME', () => {
    expect(cacheDir({ ROUNDHOUSE_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, '/h')).toMatch(
      /^\/c\/k8s-/,
    );
    expect(cacheDir({ XDG_CACHE_HOME: '/x' }, '/h')).toMatch(/^\/x\/roundhouse\/k8s-/);
  });

  it('uses the versions the build script builds by default', async () => {
    const script = await readFile(buildScript, 'utf8');
    expect(script).toContain(`ROUNDHOUSE_K8S_VERSION:-${pinnedVersions.kubernetes}}`);
    expect(script).toContain(`ROUNDHOUSE_ETCD_VERSION:-${pinnedVersions.etcd}}`);
    expect(script).toContain(`ROUNDHOUSE_KWOK_VERSION:-${pinnedVersions.kwok}}`);
  });
});

describe('searchPath', () => {
  it('looks only at ROUNDHOUSE_TESTENV_BIN when it is set, and never builds', () => {
    expect(searchPath({ ROUNDHOUSE_TESTENV_BIN: '/bin/k', KUBEBUILDER_ASSETS: '/kb' })).toEqual({
      dirs: ['/bin/k'],
      buildable: false,
    });
  });

  it('prefers KUBEBUILDER_ASSETS and falls back to the build cache', () => {
    const env = { KUBEBUILDER_ASSETS: '/kb', ROUNDHOUSE_CACHE_DIR: '/c' };
    expect(searchPath(env)).toEqual({ dirs: ['/kb', cacheDir(env)], buildable: true });
  });

  it('lets an explicit directory win over the environment', () => {
    expect(searchPath({ ROUNDHOUSE_TESTENV_BIN: '/bin/k' }, '/mine').dirs).toEqual(['/mine']);
  });
});

describe('locate', () => {
  it('takes each binary from the first directory that has it and lists the rest', () => {
    const present = new Set([
      '/kb/etcd',
      '/kb/kube-apiserver',
      '/cache/kube-apiserver',
      '/cache/kwok',
    ]);
    const found = locate(requiredBinaries(true), ['/kb', '/cache'], (p) => present.has(p));
    expect(found.paths).toEqual({
      etcd: '/kb/etcd',
      'kube-apiserver': '/kb/kube-apiserver',
      kwok: '/cache/kwok',
    });
    expect(found.missing).toEqual(['kube-controller-manager', 'kube-scheduler']);
  });

  it('needs only etcd and kube-apiserver without workloads', () => {
    expect(requiredBinaries(false)).toEqual(['etcd', 'kube-apiserver']);
  });
});

describe('the build script and ensureBinaries', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'testenv-binaries-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function fakeBinaries(dir: string, names = requiredBinaries(true)) {
    await mkdir(dir, { recursive: true });
    for (const name of names) {
      await writeFile(join(dir, name), '#!/bin/sh\n');
      await chmod(join(dir, name), 0o755);
    }
  }

  it('returns the cache directory at once, building nothing, when it is complete', async () => {
    const env = { ...process.env, ROUNDHOUSE_CACHE_DIR: root };
    await fakeBinaries(cacheDir(env));
    const result = await buildBinaries({ env });
    expect(result).toMatchObject({ dir: cacheDir(env), built: false });
    expect(result.logPath).toBeUndefined();
  });

  it('reports a missing Go toolchain as ToolchainMissingError', async () => {
    const env = { ROUNDHOUSE_CACHE_DIR: root, PATH: '/usr/bin:/bin', HOME: root };
    const error = await buildBinaries({ env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolchainMissingError);
    expect((error as Error).message).toMatch(/Go >= 1\.26/);
  });

  it('does not build when ROUNDHOUSE_TESTENV_BIN lacks a binary, and names it', async () => {
    const dir = join(root, 'bin');
    await fakeBinaries(dir, ['etcd', 'kube-apiserver', 'kube-scheduler', 'kwok']);
    const env = { ROUNDHOUSE_TESTENV_BIN: dir, PATH: '/usr/bin:/bin' };
    const error = await ensureBinaries(true, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinariesNotFoundError);
    expect((error as BinariesNotFoundError).missing).toEqual(['kube-controller-manager']);
  });

  it('uses ROUNDHOUSE_TESTENV_BIN as it is', async () => {
    const dir = join(root, 'bin');
    await fakeBinaries(dir);
    const { paths, build } = await ensureBinaries(true, { env: { ROUNDHOUSE_TESTENV_BIN: dir } });
    expect(build).toBeUndefined();
    expect(paths.kwok).toBe(join(dir, 'kwok'));
  });
});
