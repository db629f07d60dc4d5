import {
  executionMetadata,
  executionObjectMeta,
  QuotaExceededError,
  roundhouseConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from './kube-client.js';
import { KubernetesApiError, kubernetesErrorFromResponse } from './kubernetes-errors.js';
import { type ResourceEngine, ResourceExecutor } from './resource-executor.js';
import { resources } from './resources.js';

const conventions = roundhouseConventions;
const namespace = 'executions';

const engine: ResourceEngine<KubeObject> = {
  engine: 'configmap',
  type: resources.configMaps,
  build: (wfe, ns) => ({
    metadata: executionObjectMeta(
      wfe,
      ns,
      executionMetadata(wfe, 'configmap', conventions),
      conventions,
    ),
  }),
  isFinished: () => false,
  result: async () => {
    throw new Error('not read here');
  },
};

/** A client whose create the API server answers with a 403 Status of `message`. */
function refusing(message: string): KubeClient {
  const status = { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message };
  return {
    create: async () => {
      throw kubernetesErrorFromResponse(403, status, `create ConfigMap ${namespace}`);
    },
  } as unknown as KubeClient;
}

async function refusal(message: string): Promise<unknown> {
  const executor = new ResourceExecutor(refusing(message), engine, { conventions });
  return executor.create(sampleExecution(), namespace).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('ResourceExecutor create refused with 403', () => {
  it("is a QuotaExceededError without the quota's figures when the quota has no room", async () => {
    const error = await refusal(
      'configmaps "wfe-1" is forbidden: exceeded quota: roundhouse-workflows, requested: count/configmaps=1, used: count/configmaps=200, limited: count/configmaps=200',
    );
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).reason).toBe('ResourceExhausted');
    expect((error as Error).message).toBe(
      'the API server refused the ConfigMap: configmaps "wfe-1" is forbidden: exceeded quota: roundhouse-workflows, resources: count/configmaps',
    );
    expect((error as Error).cause).toBeInstanceOf(KubernetesApiError);
  });

  it("stays the API server's Forbidden for an RBAC denial, the same Status but its message", async () => {
    const error = await refusal(
      'configmaps is forbidden: User "system:serviceaccount:roundhouse:controller" cannot create resource "configmaps" in API group "" in the namespace "executions": exceeded quota: is no part of it',
    );
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect((error as KubernetesApiError).reason).toBe('Forbidden');
  });
});
