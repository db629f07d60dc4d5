import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { podLogSources } from './log-sources.js';
import { PodExecutor } from './pod-executor.js';
import { buildPod } from './pod-spec.js';

const steps = [
  { name: 'lint', image: 'registry.example.com/lint:1', script: 'lint .' },
  { name: 'test', image: 'registry.example.com/test:1', script: 'test ./...' },
  { name: 'vet', image: 'registry.example.com/vet:1', script: 'vet ./...' },
];

function execution(parallel: boolean): WorkflowExecution {
  const sample = sampleExecution({ spec: { executionEngine: 'pod' } });
  return {
    ...sample,
    metadata: { ...sample.metadata, uid: 'uid-1' },
    spec: {
      ...sample.spec,
      workflowRef: { ...sample.spec.workflowRef, engineConfig: { steps, parallel } },
    },
  };
}

const settings = {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  securityProfile: 'restricted',
  allowedImages: ['registry.example.com/*'],
  ownerReference: false,
} as const;

const pod = (parallel: boolean) =>
  buildPod(execution(parallel), 'workflows', undefined, settings) as KubeObject;

describe('podLogSources', () => {
  it("selects the execution's Pod by its owner labels, and every step in step order", () => {
    expect(podLogSources(pod(false), roundhouseConventions)).toEqual({
      labelSelector:
        'roundhouse.dev/workflow-execution=restart-api,roundhouse.dev/source-namespace=team-a,roundhouse.dev/target-resource=default__deployment__my-app',
      containers: ['lint', 'test', 'vet'],
    });
    expect(podLogSources(pod(true), roundhouseConventions).containers).toEqual([
      'lint',
      'test',
      'vet',
    ]);
  });
});

describe('podLogSources with containers a webhook added', () => {
  const istioInit = { name: 'istio-init', image: 'proxyv2', args: ['istio-iptables'] };
  const istioProxy = { name: 'istio-proxy', image: 'proxyv2', args: ['proxy', 'sidecar'] };
  const meshed = (parallel: boolean, commands?: (c: V1Container) => V1Container) => {
    const built = pod(parallel) as V1Pod;
    const spec = built.spec as V1PodSpec;
    const steps = (list: V1Container[] = []) => list.map(commands ?? ((c) => c));
    return {
      ...built,
      spec: {
        ...spec,
        initContainers: [
          istioInit,
          { ...istioProxy, restartPolicy: 'Always' },
          ...steps(spec.initContainers),
        ],
        containers: steps(spec.containers),
      },
    } as KubeObject;
  };

  it('reads only the steps, in step order', () => {
    expect(podLogSources(meshed(false), roundhouseConventions).containers).toEqual([
      'lint',
      'test',
      'vet',
    ]);
    expect(podLogSources(meshed(true), roundhouseConventions).containers).toEqual([
      'lint',
      'test',
      'vet',
    ]);
  });

  it('reads every container but the native sidecars once a webhook rewrote the steps’ commands', () => {
    const wrapped = meshed(false, (c) => ({
      ...c,
      command: ['/mesh/wait-for-proxy', '--', ...(c.command ?? [])],
    }));
    expect(podLogSources(wrapped, roundhouseConventions).containers).toEqual([
      'istio-init',
      'lint',
      'test',
      'vet',
    ]);
  });
});

describe('PodExecutor.logs', () => {
  it("reads each step's output in step order, from the steps that started", async () => {
    const running = {
      ...pod(true),
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'vet', state: { running: { startedAt: '2026-01-02T03:00:01Z' } } },
          { name: 'test', state: { waiting: { reason: 'ContainerCreating' } } },
          { name: 'lint', state: { terminated: { exitCode: 0 } } },
        ],
      },
    };
    const selectors: unknown[] = [];
    const client = {
      get: async () => running,
      list: async (_type: unknown, _namespace: string, options: { labelSelector?: string }) => {
        selectors.push(options.labelSelector);
        return { items: [running], resourceVersion: '1' };
      },
      async *logs(_namespace: string, name: string, options: { container?: string }) {
        yield `${name}/${options.container}: hello`;
      },
    } as unknown as KubeClient;
    const executor = new PodExecutor(client, { allowedImages: ['registry.example.com/*'] });
    const lines: string[] = [];
    for await (const line of executor.logs?.(execution(true), 'workflows') ?? []) {
      lines.push(`${line.source} ${line.text}`);
    }
    expect(lines).toEqual([
      'wfe-c00449355dfb987a/lint wfe-c00449355dfb987a/lint: hello',
      'wfe-c00449355dfb987a/vet wfe-c00449355dfb987a/vet: hello',
    ]);
    expect(selectors).toEqual([podLogSources(running, roundhouseConventions).labelSelector]);
  });
});
