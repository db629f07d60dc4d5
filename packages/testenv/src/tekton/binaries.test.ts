import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBuildScript } from '../build-script.js';
import { ToolchainMissingError } from '../errors.js';
import {
  ensureTekton,
  mainsKey,
  tektonBuildScript,
  tektonCacheDir,
  tektonVersion,
  tektonWanted,
} from './binaries.js';

describe('the Tekton build cache', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'testenv-tekton-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function fakeInstall(dir: string) {
    await mkdir(join(dir, 'config', 'crds'), { recursive: true });
    for (const name of ['tekton-controller', 'tekton-resolvers']) {
      await writeFile(join(dir, name), '#!/bin/sh\n');
      await chmod(join(dir, name), 0o755);
    }
  }

  it('is keyed on the Tekton version and on our mains, the same way in the build script', async () => {
    const env = { ...process.env, ROUNDHOUSE_CACHE_DIR: root };
    const dir = await tektonCacheDir(env);
    expect(dir).toMatch(new RegExp(`^${root}/tekton-v${tektonVersion}-[0-9a-f]{12}$`));
    await fakeInstall(dir);
    const result = await runBuildScript({ script: tektonBuildScript, what: 'Tekton', env });
    expect(result).toMatchObject({ dir, built: false });
    const { install, build } = await ensureTekton({ env });
    expect(build).toBeUndefined();
    expect(install).toMatchObject({
      version: tektonVersion,
      controller: join(dir, 'tekton-controller'),
      configDir: join(dir, 'config'),
    });
  });

  it('builds the version the script builds by default', async () => {
    expect(await readFile(tektonBuildScript, 'utf8')).toContain(
      `ROUNDHOUSE_TEKTON_VERSION:-${tektonVersion}}`,
    );
  });

  it('changes its key when a main changes', () => {
    const a = [{ path: './controller/main.go', content: Buffer.from('package main') }];
    const b = [{ path: './controller/main.go', content: Buffer.from('package main // changed') }];
    expect(mainsKey(a)).not.toBe(mainsKey(b));
  });

  it('reports a missing Go toolchain as ToolchainMissingError', async () => {
    const env = { ROUNDHOUSE_CACHE_DIR: root, PATH: '/usr/bin:/bin', HOME: root };
    await expect(ensureTekton({ env })).rejects.toBeInstanceOf(ToolchainMissingError);
  });
});

describe('tektonWanted', () => {
  it('is on unless ROUNDHOUSE_TESTENV_TEKTON=off', () => {
    expect(tektonWanted({})).toBe(true);
    expect(tektonWanted({ ROUNDHOUSE_TESTENV_TEKTON: 'OFF' })).toBe(false);
  });
});
