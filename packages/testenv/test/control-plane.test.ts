import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api, makeInformer } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  BinariesNotFoundError,
  type ControlPlane,
  findBinaries,
  ProcessStartError,
  startControlPlane,
} from '../src/index.js';
import { describeWithControlPlane } from '../src/vitest/index.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs whose command line mentions `dir`: what is still running from a binary in it. */
async function processesStartedFrom(dir: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const matches = await Promise.all(
    pids.map(async (pid) => {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      return cmdline.includes(dir) ? pid : undefined;
    }),
  );
  return matches.filter((pid) => pid !== undefined);
}

describeWithControlPlane('a control plane of its own (etcd and kube-apiserver only)', () => {
  let plane: ControlPlane;

  beforeAll(async () => {
    plane = await startControlPlane();
    console.log(`etcd + kube-apiserver ready in ${(plane.startupMs / 1000).toFixed(1)}s`);
  });

  afterAll(async () => {
    await plane?.stop();
  });

  it('starts only etcd and kube-apiserver', () => {
    expect(plane.workloads).toBe(false);
    expect(plane.processes().map((p) => p.name)).toEqual(['etcd', 'kube-apiserver']);
  });

  it('restarts kube-apiserver in place, and an informer resumes after it', async () => {
    const core = plane.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = await plane.createNamespace('restart');
    const informer = makeInformer(
      plane.kubeConfig,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace }),
    );
    const added: string[] = [];
    const interruptions: unknown[] = [];
    informer.on('add', (cm) => added.push(cm.metadata?.name ?? ''));
    // client-node's informer stops on a broken connection; restarting it is the documented way
    // to resume (from its last resourceVersion, relisting if that has expired).
    informer.on('error', (error) => {
      interruptions.push(error);
      setTimeout(() => void informer.start().catch(() => {}), 200);
    });
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before' } } });
      await vi.waitFor(() => expect(added).toContain('before'), { timeout: 30_000 });

      const oldPid = plane.processes().find((p) => p.name === 'kube-apiserver')?.pid;
      await plane.restartApiServer();
      const newPid = plane.processes().find((p) => p.name === 'kube-apiserver')?.pid;
      expect(newPid).not.toBe(oldPid);
      expect(alive(oldPid ?? 0)).toBe(false);

      // Same port, same certificates: the client from before the restart still works.
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after' } } });
      await vi.waitFor(() => expect(added).toContain('after'), { timeout: 60_000 });
      expect(interruptions.length).toBeGreaterThan(0);
      expect(added.filter((name) => name === 'before')).toHaveLength(1);
    } finally {
      await informer.stop();
    }
  });

  it('stop() kills its processes, removes its temp dirs and can keep the logs', async () => {
    const other = await startControlPlane();
    const pids = other.processes().map((p) => p.pid);
    const workDir = dirname(dirname(other.endpoint.caCertPath));
    expect(pids.every(alive)).toBe(true);
    expect(existsSync(workDir)).toBe(true);

    const { keptLogDir } = await other.stop({ keepLogs: true });
    expect(pids.some(alive)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    expect(keptLogDir).toBe(other.logDir);
    expect(existsSync(join(other.logDir, 'kube-apiserver.log'))).toBe(true);
    await rm(other.logDir, { recursive: true, force: true });
  });

  it('reports a component that fails to start with its log, and leaves nothing running', async () => {
    const binaries = findBinaries(false);
    const dir = await mkdtemp(join(tmpdir(), 'testenv-broken-'));
    try {
      await symlink(binaries.etcd, join(dir, 'etcd'));
      const apiserver = join(dir, 'kube-apiserver');
      await writeFile(
        apiserver,
        '#!/bin/sh\necho "E0000 flag provided but not defined: -x" >&2\nexit 1\n',
      );
      await chmod(apiserver, 0o755);

      const error = await startControlPlane({ binDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProcessStartError);
      const failure = error as ProcessStartError;
      expect(failure.processName).toBe('kube-apiserver');
      expect(failure.message).toContain('flag provided but not defined');
      expect(existsSync(failure.logPath)).toBe(true);
      expect(await processesStartedFrom(dir)).toEqual([]);
      await rm(dirname(failure.logPath), { recursive: true, force: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the binaries it cannot find', async () => {
    const error = await startControlPlane({ workloads: true, binDir: tmpdir() }).catch((e) => e);
    expect(error).toBeInstanceOf(BinariesNotFoundError);
    expect((error as BinariesNotFoundError).missing).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
    ]);
  });
});
