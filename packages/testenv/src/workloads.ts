import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { type ManagedProcess, startProcess, waitUntilReady } from './processes.js';
import { stagesYaml } from './stages.js';

/**
 * Controllers a Job's life needs, plus those that keep namespaces and owners tidy, and the
 * ResourceQuota controller, so a test can make pod creation fail as an exhausted quota does.
 */
export const controllers = [
  'job-controller',
  'resourcequota-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'ttl-after-finished-controller',
  'pod-garbage-collector-controller',
] as const;

export const fakeNodeName = 'testenv-node';
const podCidr = '10.244.0.0/16';
const nodeIp = '10.244.0.1';

export function controllerManagerArgs(kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--controllers=${controllers.join(',')}`,
    // One instance per test run: electing a leader only costs seconds at start-up.
    '--leader-elect=false',
    '--secure-port=0',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
  ];
}

export function schedulerArgs(kubeconfigPath: string): string[] {
  return [`--kubeconfig=${kubeconfigPath}`, '--leader-elect=false', '--secure-port=0'];
}

export function kwokArgs(kubeconfigPath: string, stagesPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--config=${stagesPath}`,
    '--manage-all-nodes=true',
    `--cidr=${podCidr}`,
    `--node-ip=${nodeIp}`,
  ];
}

/**
 * One roomy node without taints, so any pod schedules onto it without tolerations. It reports
 * ephemeral storage as a kubelet does, or a pod that requests any would never schedule.
 */
export function fakeNode(): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName,
      labels: {
        'kubernetes.io/hostname': fakeNodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
    },
    status: {
      allocatable: { cpu: '64', memory: '512Gi', 'ephemeral-storage': '1Ti', pods: '1000' },
      capacity: { cpu: '64', memory: '512Gi', 'ephemeral-storage': '1Ti', pods: '1000' },
    },
  };
}

const smoke = { name: 'testenv-smoke', namespace: 'kube-system' };

/** A pod that proves scheduling and KWOK work end to end before any test relies on them. */
export function smokePod(): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: smoke,
    spec: { containers: [{ name: 'smoke', image: 'testenv.invalid/smoke' }] },
  };
}

export interface StartWorkloadsInput {
  binaries: { controllerManager: string; scheduler: string; kwok: string };
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  workDir: string;
  logDir: string;
  timeoutMs: number;
  /** Each started process is reported at once, so it is stopped even if a later step fails. */
  onStarted: (p: ManagedProcess) => void;
}

/** Starts controller-manager, scheduler and KWOK; resolves once a pod really reaches Running. */
export async function startWorkloads(input: StartWorkloadsInput): Promise<void> {
  const stagesPath = join(input.workDir, 'kwok-stages.yaml');
  await writeFile(stagesPath, stagesYaml());
  const log = (name: string) => join(input.logDir, `${name}.log`);
  const start = async (name: string, binary: string, args: string[]) => {
    const p = await startProcess(name, binary, args, log(name));
    input.onStarted(p);
    return p;
  };
  const core = input.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNode({ body: fakeNode() });
  const kcm = await start(
    'kube-controller-manager',
    input.binaries.controllerManager,
    controllerManagerArgs(input.kubeconfigPath),
  );
  const scheduler = await start(
    'kube-scheduler',
    input.binaries.scheduler,
    schedulerArgs(input.kubeconfigPath),
  );
  const kwok = await start('kwok', input.binaries.kwok, kwokArgs(input.kubeconfigPath, stagesPath));

  await waitUntilReady(
    [kwok, kcm, scheduler],
    `node ${fakeNodeName} Ready`,
    async () => {
      const node = await core.readNode({ name: fakeNodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    },
    input.timeoutMs,
  );
  await waitUntilReady(
    [kcm, kwok, scheduler],
    'the default ServiceAccount (controller-manager running)',
    async () =>
      Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })),
    input.timeoutMs,
  );
  await core.createNamespacedPod({ namespace: smoke.namespace, body: smokePod() });
  await waitUntilReady(
    [scheduler, kwok, kcm],
    'a pod scheduled and Running',
    async () => {
      const p = await core.readNamespacedPod(smoke);
      return p.status?.phase === 'Running';
    },
    input.timeoutMs,
  );
  await core.deleteNamespacedPod({ ...smoke, gracePeriodSeconds: 0 });
}
