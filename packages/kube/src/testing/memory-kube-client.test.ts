import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-client.js';
import { isKubernetesError } from '../kubernetes-errors.js';
import { resources } from '../resources.js';
import { MemoryKubeClient, UnsupportedByMemoryKubeClient } from './index.js';

const pod = (name: string, labels: Record<string, string> = {}, phase = 'Pending') => ({
  metadata: { name, labels },
  status: { phase },
});

describe('MemoryKubeClient', () => {
  it('creates an object with the stamps the API server adds and refuses a second of its name', async () => {
    const api = new MemoryKubeClient();
    const { object } = await api.create<KubeObject>(resources.jobs, 'ns', {
      metadata: { name: 'a', uid: 'chosen-by-client' },
    });
    expect(object).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'a', namespace: 'ns' },
    });
    expect(object.metadata?.uid).not.toBe('chosen-by-client');
    expect(await api.get(resources.jobs, 'ns', 'a')).toEqual(object);
    const again = api.create(resources.jobs, 'ns', { metadata: { name: 'a' } });
    await expect(again).rejects.toSatisfy((e) => isKubernetesError(e, 'AlreadyExists'));
    await expect(again).rejects.toMatchObject({ statusCode: 409 });
    // Another namespace, or another resource, is another name.
    await expect(
      api.create(resources.jobs, 'other', { metadata: { name: 'a' } }),
    ).resolves.toBeDefined();
    await expect(
      api.create(resources.pods, 'ns', { metadata: { name: 'a' } }),
    ).resolves.toBeDefined();
  });

  it('refuses an object without a name as invalid', async () => {
    const api = new MemoryKubeClient();
    await expect(api.create(resources.pods, 'ns', { metadata: {} })).rejects.toMatchObject({
      reason: 'Invalid',
      statusCode: 422,
    });
  });

  it('stamps the creation time from its clock in whole seconds, and keeps it on later writes', async () => {
    let now = new Date('2026-12-06T05:00:00.750Z');
    const api = new MemoryKubeClient({ now: () => now });
    const { object } = await api.create<KubeObject>(resources.configMaps, 'ns', {
      metadata: { name: 'c', creationTimestamp: '2000-01-01T00:00:00Z' },
    });
    expect(object.metadata?.creationTimestamp).toBe('2026-12-06T05:00:00Z');
    now = new Date('2026-12-06T06:00:00Z');
    api.put(resources.configMaps, 'ns', { metadata: { name: 'c' }, data: { k: 'v' } });
    expect(api.object(resources.configMaps, 'ns', 'c')?.metadata?.creationTimestamp).toBe(
      '2026-12-06T05:00:00Z',
    );
  });

  it('drops the status given on create and sets generation 1 where the status is a subresource', async () => {
    const widgets = {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgets',
      namespaced: true,
    };
    const api = new MemoryKubeClient({ statusSubresources: [widgets] });
    const created = async (type: typeof widgets, name: string) =>
      (
        await api.create<KubeObject>(type, 'ns', {
          metadata: { name },
          status: { succeeded: 1 },
        })
      ).object;
    for (const type of [resources.jobs, resources.pods, resources.pipelineRuns, widgets]) {
      const object = await created(type, 'with-subresource');
      expect(object.status).toBeUndefined();
      expect(object.metadata?.generation).toBe(1);
    }
    // A ConfigMap has no status subresource (nor a status a server would drop), nor a generation.
    const plain = await created(resources.configMaps, 'plain');
    expect(plain.status).toEqual({ succeeded: 1 });
    expect(plain.metadata?.generation).toBeUndefined();
    // Nor does a built-in the double has no entry for, such as a Node.
    const nodes = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };
    const { object: node } = await api.create<KubeObject>(nodes, undefined, {
      metadata: { name: 'n1' },
    });
    expect(node.metadata?.generation).toBeUndefined();
    // A built-in workload the double has no resource entry for still gets one.
    const statefulSets = {
      group: 'apps',
      version: 'v1',
      kind: 'StatefulSet',
      plural: 'statefulsets',
      namespaced: true,
    };
    const { object: set } = await api.create<KubeObject>(statefulSets, 'ns', {
      metadata: { name: 'db' },
    });
    expect(set.metadata?.generation).toBe(1);
  });

  it('sets generation 1 on a custom resource without a status subresource, keeping its status', async () => {
    // apiextensions' create strategy stamps every custom resource's generation; only a declared
    // status subresource makes it drop the status.
    const gadgets = {
      group: 'example.com',
      version: 'v1',
      kind: 'Gadget',
      plural: 'gadgets',
      namespaced: true,
    };
    const api = new MemoryKubeClient();
    const { object } = await api.create<KubeObject>(gadgets, 'ns', {
      metadata: { name: 'g' },
      status: { ready: true },
    });
    expect(object.metadata?.generation).toBe(1);
    expect(object.status).toEqual({ ready: true });
  });

  it('completes a generateName with 5 random characters, as the API server names it', async () => {
    const api = new MemoryKubeClient();
    const names = new Set<string | undefined>();
    for (let i = 0; i < 3; i += 1) {
      const { object } = await api.create<KubeObject>(resources.pipelineRuns, 'ns', {
        metadata: { generateName: 'deploy-run-' },
      });
      expect(object.metadata?.name).toMatch(/^deploy-run-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      names.add(object.metadata?.name);
    }
    expect(names.size).toBe(3);
    expect((await api.list(resources.pipelineRuns, 'ns')).items).toHaveLength(3);
  });

  it('reads null for an object that is not there, and hands out copies', async () => {
    const api = new MemoryKubeClient();
    expect(await api.get(resources.pods, 'ns', 'missing')).toBeNull();
    expect(api.object(resources.pods, 'ns', 'missing')).toBeUndefined();
    api.put(resources.pods, 'ns', pod('p'));
    const read = await api.get(resources.pods, 'ns', 'p');
    (read?.status as { phase: string }).phase = 'Changed by the caller';
    expect(api.object(resources.pods, 'ns', 'p')?.status).toEqual({ phase: 'Pending' });
  });

  it('writes a status as a controller does, bumping the resourceVersion', async () => {
    const api = new MemoryKubeClient();
    const { object } = await api.create<KubeObject>(resources.jobs, 'ns', {
      metadata: { name: 'j' },
    });
    api.setStatus(resources.jobs, 'ns', 'j', { active: 1 });
    const updated = api.object(resources.jobs, 'ns', 'j');
    expect(updated?.status).toEqual({ active: 1 });
    expect(updated?.metadata?.uid).toBe(object.metadata?.uid);
    expect(Number(updated?.metadata?.resourceVersion)).toBeGreaterThan(
      Number(object.metadata?.resourceVersion),
    );
    expect(() => api.setStatus(resources.jobs, 'ns', 'none', {})).toThrow(/not found/);
  });

  it('lists one resource in one namespace, or in all of them, by label and field selector', async () => {
    const api = new MemoryKubeClient();
    api.put(resources.pods, 'ns', pod('web-1', { app: 'web', tier: 'front' }, 'Running'));
    api.put(resources.pods, 'ns', pod('web-2', { app: 'web' }, 'Failed'));
    api.put(resources.pods, 'ns', pod('db', { app: 'db' }, 'Running'));
    api.put(resources.pods, 'elsewhere', pod('web-3', { app: 'web' }, 'Running'));
    api.put(resources.jobs, 'ns', pod('a-job', { app: 'web' }));
    const names = async (namespace: string | undefined, options = {}) =>
      (await api.list(resources.pods, namespace, options)).items.map((p) => p.metadata?.name);

    expect(await names('ns')).toEqual(['web-1', 'web-2', 'db']);
    expect(await names(undefined, { labelSelector: 'app=web' })).toEqual([
      'web-1',
      'web-2',
      'web-3',
    ]);
    expect(await names('ns', { labelSelector: 'app==web,tier' })).toEqual(['web-1']);
    expect(await names('ns', { labelSelector: 'app!=db,!tier' })).toEqual(['web-2']);
    expect(await names('ns', { fieldSelector: 'status.phase!=Running' })).toEqual(['web-2']);
    expect(
      await names('ns', { labelSelector: 'app=web', fieldSelector: 'metadata.name=web-1' }),
    ).toEqual(['web-1']);
    // A missing field reads as the empty string.
    expect(await names('ns', { fieldSelector: 'spec.nodeName=' })).toHaveLength(3);
  });

  it('throws on a selector it cannot judge rather than matching wrongly', async () => {
    const api = new MemoryKubeClient();
    api.put(resources.pods, 'ns', pod('p', { app: 'web' }));
    await expect(
      api.list(resources.pods, 'ns', { labelSelector: 'app in (web,db)' }),
    ).rejects.toBeInstanceOf(UnsupportedByMemoryKubeClient);
    await expect(
      api.list(resources.pods, 'ns', { fieldSelector: 'status.phase' }),
    ).rejects.toBeInstanceOf(UnsupportedByMemoryKubeClient);
  });

  it('deletes an object once, honouring its preconditions', async () => {
    const api = new MemoryKubeClient();
    const { object } = await api.create<KubeObject>(resources.pods, 'ns', {
      metadata: { name: 'p' },
    });
    const stale = api.delete(resources.pods, 'ns', 'p', { preconditions: { uid: 'other' } });
    await expect(stale).rejects.toMatchObject({ reason: 'Conflict', statusCode: 409 });
    expect(
      await api.delete(resources.pods, 'ns', 'p', {
        preconditions: {
          uid: object.metadata?.uid,
          resourceVersion: object.metadata?.resourceVersion,
        },
      }),
    ).toBe(true);
    expect(await api.get(resources.pods, 'ns', 'p')).toBeNull();
    expect(await api.delete(resources.pods, 'ns', 'p')).toBe(false);
  });

  it('keeps a cluster-scoped object without a namespace', async () => {
    const api = new MemoryKubeClient();
    const { object } = await api.create<KubeObject>(resources.namespaces, 'ignored', {
      metadata: { name: 'team-a' },
    });
    expect(object.metadata?.namespace).toBeUndefined();
    expect(await api.get(resources.namespaces, undefined, 'team-a')).toEqual(object);
    expect((await api.list(resources.namespaces, undefined)).items).toEqual([object]);
  });

  it('fails every call it does not model, without reaching for a cluster', async () => {
    const api = new MemoryKubeClient();
    const unsupported = [
      () => api.patch(resources.pods, 'ns', 'p', {}),
      () => api.replace(resources.pods, 'ns', 'p', {}),
      () => api.watch(resources.pods, 'ns', () => {}, { stallTimeoutMs: 300_000 }),
      () => api.isServed(resources.pods),
      () => api.discoverApiResources(),
      () => api.logs('ns', 'p').next(),
      () =>
        api.create(
          resources.serviceAccounts,
          'ns',
          {},
          {
            subresource: { name: 'sa', subresource: 'token' },
          },
        ),
    ];
    for (const call of unsupported) {
      await expect(call()).rejects.toBeInstanceOf(UnsupportedByMemoryKubeClient);
    }
  });
});
