import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { auditArgs } from './audit.js';
import type { Pki } from './pki.js';
import { freePort, retryOnPortClash } from './ports.js';
import { type ManagedProcess, startProcess, waitUntilReady } from './processes.js';

export interface ApiServerArgsInput {
  etcdUrl: string;
  port: number;
  pki: Pki;
  certDir: string;
  /** Write an audit log (see audit.ts). */
  audit?: { policyPath: string; logPath: string } | undefined;
}

/**
 * Flags in the spirit of controller-runtime's envtest: secure serving only, client certificates
 * as the only authentication, and RBAC, so authorization is tested for real.
 */
export function apiServerArgs(input: ApiServerArgsInput): string[] {
  const { pki, port } = input;
  return [
    `--etcd-servers=${input.etcdUrl}`,
    '--bind-address=127.0.0.1',
    // Without it the apiserver looks for a host interface and fails where there is no default route.
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${input.certDir}`,
    `--tls-cert-file=${pki.serving.certPath}`,
    `--tls-private-key-file=${pki.serving.keyPath}`,
    `--client-ca-file=${pki.ca.certPath}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    '--service-cluster-ip-range=10.96.0.0/24',
    // Nothing here can reach a Service IP; do not maintain the `kubernetes` endpoints.
    '--endpoint-reconciler-type=none',
    `--service-account-issuer=https://127.0.0.1:${port}`,
    `--service-account-key-file=${pki.serviceAccount.publicKeyPath}`,
    `--service-account-signing-key-file=${pki.serviceAccount.privateKeyPath}`,
    // ServiceAccount: a namespace's default ServiceAccount may not exist (yet, or ever without the
    // controller-manager). TaintNodesByCondition: it taints new nodes not-ready, and only the
    // node-lifecycle controller, which has no kubelets to watch here, would lift the taint.
    '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
    // Without it an open watch keeps the process alive after SIGTERM until it is killed, which
    // made every restart (and stop) take the full kill timeout.
    '--shutdown-watch-termination-grace-period=2s',
    ...(input.audit ? auditArgs(input.audit.policyPath, input.audit.logPath) : []),
  ];
}

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export async function readTls(pki: Pki): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.ca.certPath, 'utf8'),
    readFile(pki.admin.certPath, 'utf8'),
    readFile(pki.admin.keyPath, 'utf8'),
  ]);
  return { ca, cert, key };
}

/** GET over mutual TLS; resolves with the status code and body. */
export function tlsGet(url: string, tls: TlsMaterial): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface ApiServer {
  readonly process: ManagedProcess;
  readonly port: number;
  readonly url: string;
  /** Stops the process and starts it again with the same flags, port and etcd. */
  restart(): Promise<void>;
}

export interface StartApiServerInput {
  binary: string;
  etcdUrl: string;
  pki: Pki;
  workDir: string;
  logDir: string;
  timeoutMs: number;
  audit?: ApiServerArgsInput['audit'];
}

export async function startApiServer(input: StartApiServerInput): Promise<ApiServer> {
  const tls = await readTls(input.pki);
  const logPath = join(input.logDir, 'kube-apiserver.log');
  const launch = async (args: string[], url: string) => {
    const p = await startProcess('kube-apiserver', input.binary, args, logPath);
    try {
      await waitUntilReady(p, 'kube-apiserver /readyz', () => ready(url, tls), input.timeoutMs);
    } catch (error) {
      await p.stop(1_000);
      throw error;
    }
    return p;
  };
  const { port, args, first } = await retryOnPortClash(async () => {
    const port = await freePort();
    const args = apiServerArgs({
      etcdUrl: input.etcdUrl,
      port,
      pki: input.pki,
      certDir: join(input.workDir, 'apiserver'),
      ...(input.audit ? { audit: input.audit } : {}),
    });
    return { port, args, first: await launch(args, `https://127.0.0.1:${port}`) };
  });
  const url = `https://127.0.0.1:${port}`;
  let current = first;
  return {
    get process() {
      return current;
    },
    port,
    url,
    async restart() {
      await current.stop();
      current = await launch(args, url);
    },
  };
}

/** Ready means /readyz passes and the bootstrap namespace `default` exists. */
async function ready(url: string, tls: TlsMaterial): Promise<boolean> {
  const readyz = await tlsGet(`${url}/readyz`, tls);
  if (readyz.status !== 200) return false;
  const ns = await tlsGet(`${url}/api/v1/namespaces/default`, tls);
  return ns.status === 200;
}
