import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { isKubernetesError, KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import type { TestNamespace } from '@roundhouse/testenv/vitest';
import { expect, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ensureDistExecCrd } from '../src/install.js';
import { distExecs, nodes } from '../src/resource.js';
import { type NodeResult, resultsOf, type Summary } from '../src/spec.js';

export const patience = { timeout: 90_000, interval: 200 };

const root = new URL('../../..', import.meta.url).pathname;
const agentMain = new URL('../src/agent-main.ts', import.meta.url).pathname;
const agentRbac = new URL('../deploy/agent-mode/rbac.yaml', import.meta.url);
const jobModeRbac = new URL('../deploy/job-mode.yaml', import.meta.url);

/** The label every Node a test file creates carries, with the file's own value. */
export const testNodeLabel = 'roundhouse.dev/distexec-test';

/** A node agent running as its own process, as in its DaemonSet pod. */
export interface AgentProcess {
  readonly nodeName: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Every JSON log line it wrote so far. */
  readonly lines: Record<string, unknown>[];
  /** Stops it with `signal` and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A test file's world: its namespace, a scratch directory the commands write to, fake Nodes
 * labelled for this file only, and node agents running as the ServiceAccount of
 * deploy/agent-mode/rbac.yaml, with nothing more than what it grants.
 */
export class World {
  readonly scratch = mkdtempSync(join(tmpdir(), 'distexec-'));
  readonly agents: AgentProcess[] = [];
  readonly #nodes: string[] = [];
  #agentConfig: string | undefined;
  #agentIdentity: KubeConfig | undefined;
  readonly id = Math.random().toString(36).slice(2, 8);

  constructor(readonly env: TestNamespace) {}

  get admin(): KubeClient {
    return new KubeClient(this.env.kubeConfig);
  }

  /** A client with the agents' rights, as a command holding their token has them. */
  get agentClient(): KubeClient {
    if (!this.#agentIdentity) throw new Error('setUp first');
    return new KubeClient(this.#agentIdentity);
  }

  /** The toleration of the taint on this file's Nodes, as an operator lists it for node Jobs. */
  get testNodeToleration() {
    return { key: testNodeLabel, operator: 'Equal', value: this.id, effect: 'NoSchedule' };
  }

  /** The nodeSelector that selects this file's Nodes and no others. */
  get selector(): Record<string, string> {
    return { [testNodeLabel]: this.id };
  }

  async setUp(): Promise<void> {
    await ensureDistExecCrd(this.admin);
    // The manifests bind the agents' DistExec rights in the one namespace they watch; these
    // agents watch this file's namespace.
    const identity = await identityOf(this.admin, this.env, agentRbac, 'distexec-agent', {
      roleBindingsIn: this.env.namespace,
    });
    this.#agentIdentity = identity;
    this.#agentConfig = join(this.scratch, 'agent-kubeconfig');
    writeFileSync(this.#agentConfig, identity.exportConfig(), { mode: 0o600 });
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop('SIGKILL')));
    for (const name of this.#nodes) await this.admin.delete(nodes, undefined, name);
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /**
   * Creates a Node. It is tainted so that the scheduler puts no other test's pod on it (node
   * Jobs tolerate that taint: `testNodeToleration`), and KWOK (which manages every node of the
   * test plane) makes it Ready. `spec` may cordon it or add taints; `capacity` overrides its
   * resources (`pods: '0'`: no pod is scheduled there, a test binds them itself).
   */
  async createNode(
    suffix: string,
    labels: Record<string, string> = {},
    spec: { unschedulable?: boolean; taints?: Record<string, string>[] } = {},
    capacity: Record<string, string> = {},
  ): Promise<string> {
    const name = `dx-${this.id}-${suffix}`;
    await this.admin.create(nodes, undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { ...this.selector, ...labels, 'kubernetes.io/hostname': name } },
      spec: {
        ...spec,
        taints: [
          { key: testNodeLabel, value: this.id, effect: 'NoSchedule' },
          ...(spec.taints ?? []),
        ],
      },
      status: { capacity: { cpu: '8', memory: '16Gi', pods: '110', ...capacity } },
    });
    this.#nodes.push(name);
    return name;
  }

  /** Starts the agent of `nodeName`; with `dataDir`, on a predecessor's data directory. */
  async startAgent(nodeName: string, dataDir?: string): Promise<AgentProcess> {
    const dir = dataDir ?? mkdtempSync(join(this.scratch, `${nodeName}-data-`));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@roundhouse/source',
        agentMain,
        `--kubeconfig=${this.#agentConfig}`,
        `--data-dir=${dir}`,
        `--watch-namespace=${this.env.namespace}`,
        '--poll-interval=200ms',
        '--grace-period=2s',
        '--health-port=0',
        '--output-limit-bytes=64',
      ],
      {
        cwd: root,
        env: { ...process.env, NODE_NAME: nodeName, LOG_LEVEL: 'debug' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (line.startsWith('{')) lines.push(JSON.parse(line));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const agent: AgentProcess = {
      nodeName,
      dataDir: dir,
      child,
      lines,
      async stop(signal = 'SIGTERM') {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill(signal);
        await exited;
      },
    };
    this.agents.push(agent);
    await vi.waitFor(() => {
      if (child.exitCode !== null) throw new Error(`agent ${nodeName} exited: ${stderr}`);
      expect(lines.some((l) => l.msg === 'controller started')).toBe(true);
    }, patience);
    return agent;
  }

  /** A file in the scratch directory. */
  path(name: string): string {
    return join(this.scratch, name);
  }

  /** The lines of a scratch file; none when it does not exist. */
  lines(name: string): string[] {
    try {
      return readFileSync(this.path(name), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  async createDistExec(name: string, spec: Record<string, unknown>): Promise<KubeObject> {
    const manifest = {
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'DistExec',
      metadata: { name },
      spec: { nodeSelector: this.selector, ...spec },
    };
    return (await this.admin.create(distExecs, this.env.namespace, manifest)).object;
  }

  async read(name: string): Promise<KubeObject | null> {
    return this.admin.get<KubeObject>(distExecs, this.env.namespace, name);
  }

  /** Waits until the DistExec's results satisfy `check`, and returns them. */
  async waitForResults(
    name: string,
    check: (
      results: Record<string, NodeResult>,
      summary: Summary | undefined,
      object: KubeObject | null,
    ) => void,
  ): Promise<{ results: Record<string, NodeResult>; object: KubeObject }> {
    return vi.waitFor(async () => {
      const object = await this.read(name);
      const results = resultsOf(object?.status);
      check(results, (object?.status as { summary?: Summary } | undefined)?.summary, object);
      return { results, object: object as KubeObject };
    }, patience);
  }
}

/**
 * A kubeconfig for a ServiceAccount of the shipped manifests with exactly the rights they
 * grant it (RBAC matches a ServiceAccount subject by its user name); the namespaces they name
 * are created, with the labels the manifests give them, their other objects (a Deployment) are
 * not applied. Several test files apply the same cluster-wide objects; whoever comes second
 * finds them there. `roleBindingsIn` puts the RoleBindings in that namespace instead of theirs.
 */
export async function identityOf(
  admin: KubeClient,
  env: TestNamespace,
  manifests: URL,
  serviceAccount: string,
  options: { readonly roleBindingsIn?: string } = {},
): Promise<KubeConfig> {
  const types: Record<string, typeof resources.serviceAccounts> = {
    ServiceAccount: resources.serviceAccounts,
    ClusterRole: rbacType('ClusterRole', 'clusterroles', false),
    ClusterRoleBinding: rbacType('ClusterRoleBinding', 'clusterrolebindings', false),
    Role: rbacType('Role', 'roles', true),
    RoleBinding: rbacType('RoleBinding', 'rolebindings', true),
  };
  const documents = parseAllDocuments(readFileSync(manifests, 'utf8')).map(
    (doc) => doc.toJSON() as KubeObject,
  );
  // A namespace keeps the manifest's labels (the Pod Security level its pods must meet).
  const labels = new Map(
    documents
      .filter((o) => o.kind === 'Namespace')
      .map((o) => [o.metadata?.name, o.metadata?.labels] as const),
  );
  const objects = documents
    .filter((o) => types[o.kind as string])
    .map((o) =>
      o.kind === 'RoleBinding' && options.roleBindingsIn
        ? { ...o, metadata: { ...o.metadata, namespace: options.roleBindingsIn } }
        : o,
    );
  const namespaces = new Set(objects.map((o) => o.metadata?.namespace).filter(Boolean));
  for (const name of namespaces) {
    const metadata = { name, ...(labels.get(name) ? { labels: labels.get(name) } : {}) };
    await ignoreExisting(admin.create(resources.namespaces, undefined, { metadata }));
  }
  for (const object of objects) {
    const type = types[object.kind as string] as typeof resources.serviceAccounts;
    await ignoreExisting(admin.create(type, object.metadata?.namespace, object));
  }
  const namespace = objects.find((o) => o.kind === 'ServiceAccount')?.metadata?.namespace;
  return env.controlPlane.userKubeConfig(`system:serviceaccount:${namespace}:${serviceAccount}`, [
    'system:serviceaccounts',
  ]);
}

/** The job-mode controller's identity, from deploy/job-mode.yaml. */
export function jobModeIdentity(admin: KubeClient, env: TestNamespace): Promise<KubeConfig> {
  return identityOf(admin, env, jobModeRbac, 'distexec-jobs');
}

function rbacType(kind: string, plural: string, namespaced: boolean) {
  return { group: 'rbac.authorization.k8s.io', version: 'v1', kind, plural, namespaced };
}

async function ignoreExisting(creating: Promise<unknown>): Promise<void> {
  try {
    await creating;
  } catch (error) {
    if (!isKubernetesError(error, 'AlreadyExists')) throw error;
  }
}

/**
 * Whether the process runs. A zombie does not: an orphan is reparented to PID 1, and a PID 1
 * that does not reap (a sandbox's) leaves it in the table, where kill(pid, 0) still finds it.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself contain ") ".
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
