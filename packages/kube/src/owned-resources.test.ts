import {
  type Conventions,
  ConventionsMismatchError,
  conventionKeys,
  defineConventions,
  executionMetadata,
  executionObjectMeta,
  kubernautConventions,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  roundhouseConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it, vi } from 'vitest';
import type { KubeClient, KubeObject } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { OwnedResources } from './owned-resources.js';
import type { Reader } from './reader.js';
import { MemoryKubeClient } from './testing/memory-kube-client.js';

describe('OwnedResources.getOwned', () => {
  const jobs = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };

  it('reads through the cache, and from the API server when asked for a fresh copy', async () => {
    const wfe = sampleExecution();
    const keys = conventionKeys(roundhouseConventions);
    const labels = {
      [keys.workflowExecutionLabel]: wfe.metadata.name,
      [keys.sourceNamespaceLabel]: wfe.metadata.namespace,
    };
    const annotations = { [keys.workflowExecutionUidAnnotation]: wfe.metadata.uid as string };
    const meta = { name: 'wfe-x', labels, annotations };
    const stale: KubeObject = { metadata: { ...meta, resourceVersion: '1' } };
    const live: KubeObject = { metadata: { ...meta, resourceVersion: '2' } };
    const reader = { get: vi.fn(async () => stale) } as unknown as Reader;
    const client = { get: vi.fn(async () => live) } as unknown as KubeClient;
    const owned = new OwnedResources(client, jobs, roundhouseConventions, () => false, { reader });
    expect(await owned.getOwned(wfe, 'executions', 'wfe-x')).toBe(stale);
    expect(client.get).not.toHaveBeenCalled();
    expect(await owned.getOwned(wfe, 'executions', 'wfe-x', { fresh: true })).toBe(live);
    expect(reader.get).toHaveBeenCalledTimes(1);
  });
});

describe('OwnedResources.create', () => {
  const jobs = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };
  const alreadyExists = new KubernetesApiError('AlreadyExists', 'jobs "wfe-x" already exists', 409);

  it('names no holder when the running resource under its lock claims this execution without its uid', async () => {
    const wfe = { ...sampleExecution(), metadata: { ...sampleExecution().metadata, uid: 'u-1' } };
    const keys = conventionKeys(roundhouseConventions);
    const squatter: KubeObject = {
      metadata: {
        name: 'wfe-x',
        labels: {
          [keys.workflowExecutionLabel]: wfe.metadata.name,
          [keys.sourceNamespaceLabel]: wfe.metadata.namespace,
        },
      },
    };
    const client = {
      create: vi.fn(async () => {
        throw alreadyExists;
      }),
      get: vi.fn(async () => squatter),
    } as unknown as KubeClient;
    const owned = new OwnedResources(client, jobs, roundhouseConventions, () => false);
    const refused = owned.create(wfe, 'executions', { metadata: { name: 'wfe-x' } });
    await expect(refused).rejects.toBeInstanceOf(ResourceLockedError);
    await expect(refused).rejects.toMatchObject({ owner: undefined });
  });
  /** A create of `wfe-x` refused because `existing` holds the name. */
  const refusedBy = (
    existing: KubeObject,
    finished: boolean,
    conventions = roundhouseConventions,
  ) => {
    const client = {
      create: vi.fn(async () => {
        throw alreadyExists;
      }),
      get: vi.fn(async () => existing),
    } as unknown as KubeClient;
    const owned = new OwnedResources(client, jobs, conventions, () => finished);
    const wfe = sampleExecution({ name: 'second', uid: 'u-2' });
    return owned.create(wfe, 'executions', { metadata: { name: 'wfe-x' } }).then(
      () => expect.unreachable('the create was not refused'),
      (error: unknown) => error,
    );
  };

  it.each([
    ['running', false, ResourceLockedError],
    ['finished', true, PreviousExecutionNotCleanedError],
  ])(
    'names a %s holder whose name is over 63 characters in full, not by its shortened label',
    async (_, finished, type) => {
      for (const conventions of [roundhouseConventions, kubernautConventions]) {
        const name = `victim-${'x'.repeat(70)}`;
        const holder = sampleExecution({ name, uid: 'u-1' });
        const meta = executionMetadata(holder, 'job', conventions);
        const error = await refusedBy(
          { metadata: { name: 'wfe-x', labels: meta.labels, annotations: meta.annotations } },
          finished,
          conventions,
        );
        expect(error).toBeInstanceOf(type);
        // The label's shortened form is a name another execution may take: `deduplicatedBy`
        // and the message must lead to the holder itself.
        expect(error).toMatchObject({ owner: { name, namespace: holder.metadata.namespace } });
        expect((error as Error).message).toContain(`${holder.metadata.namespace}/${name}`);
      }
    },
  );
  it('names no holder when a squatter claims this very execution, whose name is over 63 characters', async () => {
    const wfe = sampleExecution({ name: `second-${'x'.repeat(70)}`, uid: 'u-2' });
    const claimed = executionMetadata(wfe, 'job', roundhouseConventions);
    const keys = conventionKeys(roundhouseConventions);
    const { [keys.workflowExecutionUidAnnotation]: _uid, ...annotations } = claimed.annotations;
    const client = {
      create: vi.fn(async () => {
        throw alreadyExists;
      }),
      get: vi.fn(async () => ({
        metadata: { name: 'wfe-x', labels: claimed.labels, annotations },
      })),
    } as unknown as KubeClient;
    const owned = new OwnedResources(client, jobs, roundhouseConventions, () => false);
    const refused = owned.create(wfe, 'executions', { metadata: { name: 'wfe-x' } });
    await expect(refused).rejects.toBeInstanceOf(ResourceLockedError);
    // Not the shortened label form, a name another execution may hold.
    await expect(refused).rejects.toMatchObject({ owner: undefined });
  });
});

describe('OwnedResources under conventions other than the resource was made under', () => {
  const jobs = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };
  const namespace = 'executions';
  const wfe = sampleExecution({ name: 'restarted', uid: 'u-1' });

  /** A store holding `wfe`'s Job as a controller under `madeUnder` created it. */
  const madeUnder = async (conventions: Conventions) => {
    const client = new MemoryKubeClient();
    const meta = executionMetadata(wfe, 'job', conventions);
    const body = { metadata: executionObjectMeta(wfe, namespace, meta, conventions) };
    const made = new OwnedResources(client, jobs, conventions, () => false);
    const { object } = await made.create(wfe, namespace, body);
    const name = object.metadata?.name as string;
    return { client, name, body, uid: object.metadata?.uid };
  };
  const cases = [
    ['roundhouse', 'kubernaut', roundhouseConventions, kubernautConventions],
    ['kubernaut', 'roundhouse', kubernautConventions, roundhouseConventions],
  ] as const;

  it.each(cases)(
    'getOwned of a %s-made resource under %s conventions is a ConventionsMismatchError, not absent',
    async (made, running, before, after) => {
      const { client, name } = await madeUnder(before);
      const owned = new OwnedResources(client, jobs, after, () => false);
      const error = await owned.getOwned(wfe, namespace, name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConventionsMismatchError);
      expect(error).toMatchObject({
        reason: 'ConventionsMismatch',
        retryable: false,
        madeUnder: made,
        runningUnder: running,
        resource: `Job ${namespace}/${name}`,
      });
      expect((error as Error).message).toContain(`--conventions ${made}`);
    },
  );

  it.each(cases)(
    'deleteOwned of a %s-made resource under %s conventions deletes nothing and says why',
    async (_made, _running, before, after) => {
      const { client, name, uid } = await madeUnder(before);
      const owned = new OwnedResources(client, jobs, after, () => false);
      await expect(owned.deleteOwned(wfe, namespace, name)).rejects.toBeInstanceOf(
        ConventionsMismatchError,
      );
      expect(client.object(jobs, namespace, name)?.metadata?.uid).toBe(uid);
    },
  );

  it.each([
    ['running', false],
    ['finished', true],
  ])(
    'a create that meets its own %s resource made under other conventions is refused as a mismatch, not a lock',
    async (_, finished) => {
      const { client, body } = await madeUnder(roundhouseConventions);
      const owned = new OwnedResources(client, jobs, kubernautConventions, () => finished);
      await expect(owned.create(wfe, namespace, body)).rejects.toBeInstanceOf(
        ConventionsMismatchError,
      );
    },
  );

  it('another execution of the same name (another uid) under the other preset is neither owned nor a mismatch', async () => {
    const { client, name, uid } = await madeUnder(roundhouseConventions);
    const successor = sampleExecution({ name: 'restarted', uid: 'u-2' });
    const owned = new OwnedResources(client, jobs, kubernautConventions, () => false);
    expect(await owned.getOwned(successor, namespace, name)).toBeNull();
    expect(await owned.deleteOwned(successor, namespace, name)).toBe('not-owned');
    expect(client.object(jobs, namespace, name)?.metadata?.uid).toBe(uid);
  });

  it('custom conventions are named by their label prefix', async () => {
    const { client, name } = await madeUnder(kubernautConventions);
    const custom = defineConventions({ labelPrefix: 'acme.example/' });
    const owned = new OwnedResources(client, jobs, custom, () => false);
    await expect(owned.getOwned(wfe, namespace, name)).rejects.toMatchObject({
      madeUnder: 'kubernaut',
      runningUnder: 'acme.example/',
    });
  });
});
