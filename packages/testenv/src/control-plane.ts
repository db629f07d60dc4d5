import { rmSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from './apiserver.js';
import { auditPolicyYaml } from './audit.js';
import { findBinaries, type ResolvedBinaries, requireWorkloadBinaries } from './binaries.js';
import {
  type ControlPlaneClient,
  type ControlPlaneEndpoint,
  connectControlPlane,
} from './connection.js';
import { TestEnvError } from './errors.js';
import { startEtcd } from './etcd.js';
import { kubeConfigYaml } from './kubeconfig.js';
import { type OciRegistry, startOciRegistry } from './oci/registry.js';
import { adminIdentity, createPki } from './pki.js';
import { killWithParent, type ManagedProcess } from './processes.js';
import type { TektonInstall } from './tekton/binaries.js';
import { startTekton } from './tekton/start.js';
import { startWorkloads } from './workloads.js';

export interface ControlPlaneOptions {
  /**
   * Also start kube-controller-manager, kube-scheduler and KWOK with one fake Node, so Jobs run
   * (see podControls for steering their pods). Default false: etcd and kube-apiserver only.
   */
  workloads?: boolean | undefined;
  /** A directory holding the binaries. Default: ROUNDHOUSE_TESTENV_BIN, KUBEBUILDER_ASSETS, build cache. */
  binDir?: string | undefined;
  /** Binaries already located, e.g. by ensureBinaries(); wins over binDir. */
  binaries?: ResolvedBinaries | undefined;
  /** How long each component may take to become ready. Default 120 s, for loaded 2-core machines. */
  startTimeoutMs?: number | undefined;
  /**
   * Also run real Tekton Pipelines (controller and bundles resolver, from ensureTekton() or
   * findTekton()) and a local OCI registry for bundles. Needs `workloads`, since TaskRuns run as
   * pods.
   */
  tekton?: TektonInstall | undefined;
  /**
   * Have kube-apiserver write an audit log of every request (Metadata level, JSON lines) to
   * `auditLogPath`; read it with readAuditLog(). Default false.
   */
  audit?: boolean | undefined;
}

export interface ProcessInfo {
  name: string;
  pid: number;
  logPath: string;
}

export interface StopOptions {
  /** Keep the process logs (e.g. because tests failed). They are also kept if a process crashed. */
  keepLogs?: boolean | undefined;
}

export interface ControlPlane extends ControlPlaneClient {
  readonly server: string;
  readonly workloads: boolean;
  /** Holds one `<process>.log` per process. */
  readonly logDir: string;
  /** Milliseconds from the call to startControlPlane() until everything was ready. */
  readonly startupMs: number;
  /** The audit log, with `audit: true`; in the work dir, so it goes with stop(). */
  readonly auditLogPath?: string | undefined;
  processes(): ProcessInfo[];
  /**
   * Stops kube-apiserver and starts it again in place: same flags, port, certificates and etcd.
   * Clients keep working with the same kubeconfig once it is back.
   */
  restartApiServer(): Promise<void>;
  /**
   * Stops every process this control plane started (by PID: SIGTERM, then SIGKILL) and removes
   * its temp dirs. Resolves with the log directory when the logs were kept.
   */
  stop(options?: StopOptions): Promise<{ keptLogDir?: string | undefined }>;
}

/** etcd's write-ahead log preallocates 64 MB files; a small /dev/shm cannot hold them. */
const minimumShmBytes = 1024 ** 3;

/** tmpfs when it is roomy, because etcd on a loaded disk makes the apiserver slow. */
export function chooseWorkRoot(shmFreeBytes: number | undefined, fallback: string): string {
  return shmFreeBytes !== undefined && shmFreeBytes >= minimumShmBytes ? '/dev/shm' : fallback;
}

function shmFreeBytes(): number | undefined {
  try {
    const s = statfsSync('/dev/shm');
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Starts etcd and kube-apiserver on free loopback ports with a throwaway PKI (and, with
 * `workloads`, the components that make Jobs run) and resolves once it is ready to use.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const started = Date.now();
  const workloads = options.workloads ?? false;
  if (options.tekton && !workloads) {
    throw new TestEnvError(
      'Tekton needs workloads: startControlPlane({ workloads: true, tekton })',
    );
  }
  const binaries = options.binaries ?? findBinaries(workloads, { binDir: options.binDir });
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const workDir = await mkdtemp(
    join(chooseWorkRoot(shmFreeBytes(), tmpdir()), 'roundhouse-testenv-'),
  );
  const logDir = await mkdtemp(join(tmpdir(), 'roundhouse-testenv-logs-'));
  const owned: ManagedProcess[] = [];
  let registry: OciRegistry | undefined;
  const releaseParentHandlers = killWithParent(owned, () =>
    rmSync(workDir, { recursive: true, force: true }),
  );
  let stopped = false;

  const stop = async (stopOptions: StopOptions = {}) => {
    stopped = true;
    releaseParentHandlers();
    const crashed = owned.some((p) => p.exit);
    for (const p of [...owned].reverse()) await p.stop(10_000);
    await registry?.close();
    await rm(workDir, { recursive: true, force: true });
    if (stopOptions.keepLogs || crashed) return { keptLogDir: logDir };
    await rm(logDir, { recursive: true, force: true });
    return {};
  };

  try {
    const pkiDir = join(workDir, 'pki');
    await mkdir(pkiDir);
    const pki = await createPki(pkiDir);
    const etcd = await startEtcd(binaries.etcd, workDir, logDir, timeoutMs);
    owned.push(etcd.process);
    const audit = options.audit
      ? { policyPath: join(workDir, 'audit-policy.yaml'), logPath: join(workDir, 'audit.log') }
      : undefined;
    if (audit) await writeFile(audit.policyPath, auditPolicyYaml);
    const apiServer = await startApiServer({
      binary: binaries['kube-apiserver'],
      etcdUrl: etcd.url,
      pki,
      workDir,
      logDir,
      timeoutMs,
      ...(audit ? { audit } : {}),
    });
    owned.push(apiServer.process);
    const [caPem, certPem, keyPem] = await Promise.all([
      readFile(pki.ca.certPath, 'utf8'),
      readFile(pki.admin.certPath, 'utf8'),
      readFile(pki.admin.keyPath, 'utf8'),
    ]);
    const adminKubeConfig = kubeConfigYaml({
      server: apiServer.url,
      caPem,
      certPem,
      keyPem,
      user: adminIdentity.commonName,
    });
    const kubeconfigPath = join(workDir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, adminKubeConfig, { mode: 0o600 });
    let endpoint: ControlPlaneEndpoint = {
      server: apiServer.url,
      adminKubeConfig,
      caCertPath: pki.ca.certPath,
      caKeyPath: pki.ca.keyPath,
      userCertDir: join(workDir, 'users'),
      workloads,
    };
    const kubeConfig = connectControlPlane(endpoint).kubeConfig;

    if (workloads) {
      await startWorkloads({
        binaries: requireWorkloadBinaries(binaries),
        kubeConfig,
        kubeconfigPath,
        workDir,
        logDir,
        timeoutMs,
        onStarted: (p) => owned.push(p),
      });
    }
    if (options.tekton) {
      registry = await startOciRegistry();
      await startTekton({
        install: options.tekton,
        kubeConfig,
        kubeconfigPath,
        logDir,
        timeoutMs,
        onStarted: (p) => owned.push(p),
      });
      endpoint = {
        ...endpoint,
        tekton: { version: options.tekton.version, registry: registry.host },
      };
    }
    const client = connectControlPlane(endpoint);

    return {
      ...client,
      server: apiServer.url,
      workloads,
      logDir,
      startupMs: Date.now() - started,
      ...(audit ? { auditLogPath: audit.logPath } : {}),
      processes: () => owned.map((p) => ({ name: p.name, pid: p.pid, logPath: p.logPath })),
      async restartApiServer() {
        if (stopped) throw new TestEnvError('restartApiServer() after stop()');
        const old = apiServer.process;
        await apiServer.restart();
        owned.splice(owned.indexOf(old), 1, apiServer.process);
      },
      stop,
    };
  } catch (error) {
    await stop({ keepLogs: true });
    throw error;
  }
}
