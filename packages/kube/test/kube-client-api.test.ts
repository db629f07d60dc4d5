import {
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  resources,
  type WatchEvent,
} from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The wire contract of KubeClient, as a real kube-apiserver answers it. */
describeWithControlPlane('KubeClient against the API server', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  beforeAll(() => {
    client = new KubeClient(env.kubeConfig);
  });
  afterAll(() => client.close());

  const configMap = (name: string, labels: Record<string, string> = {}): KubeObject => ({
    metadata: { name, labels },
    data: { k: 'v' },
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable('the request succeeded'),
      (error: unknown) => {
        expect(error).toBeInstanceOf(KubernetesApiError);
        return error as KubernetesApiError;
      },
    );

  it('pages a list on continue tokens, with set-based label and field selectors encoded', async () => {
    for (const [name, tier] of [
      ['page-a', 'web'],
      ['page-b', 'db'],
      ['page-c', 'web'],
      ['page-d', 'cache'],
      ['page-e', 'db'],
    ] as const) {
      await client.create(resources.configMaps, env.namespace, configMap(name, { tier }));
    }
    const { items, resourceVersion } = await client.list(resources.configMaps, env.namespace, {
      labelSelector: 'tier in (web, db),tier!=cache',
      fieldSelector: 'metadata.name!=page-e',
      limit: 1,
    });
    expect(items.map((item) => item.metadata?.name).sort()).toEqual(['page-a', 'page-b', 'page-c']);
    expect(Number(resourceVersion)).toBeGreaterThan(0);
  });

  it('reads aggregated discovery: every kind with its names and scope, core and groups', async () => {
    const documents = (await client.discoverApiResources()) as {
      kind: string;
      items: {
        metadata: { name?: string };
        versions: {
          version: string;
          resources: {
            resource: string;
            responseKind: { kind: string };
            singularResource: string;
            shortNames?: string[];
            scope: string;
          }[];
        }[];
      }[];
    }[];
    expect(documents.map((d) => d.kind)).toEqual([
      'APIGroupDiscoveryList',
      'APIGroupDiscoveryList',
    ]);
    const resource = (document: number, group: string, plural: string) =>
      documents[document]?.items
        .find((g) => (g.metadata.name ?? '') === group)
        ?.versions[0]?.resources.find((r) => r.resource === plural);
    expect(resource(0, '', 'pods')).toMatchObject({
      responseKind: { kind: 'Pod' },
      singularResource: 'pod',
      shortNames: ['po'],
      scope: 'Namespaced',
    });
    expect(resource(1, 'apps', 'deployments')).toMatchObject({
      responseKind: { kind: 'Deployment' },
      shortNames: ['deploy'],
    });
    expect(resource(1, 'rbac.authorization.k8s.io', 'clusterroles')?.scope).toBe('Cluster');
  });

  it('tells a taken name (AlreadyExists) from a stale write (Conflict)', async () => {
    const { object } = await client.create(resources.configMaps, env.namespace, configMap('race'));
    const taken = await failure(
      client.create(resources.configMaps, env.namespace, configMap('race')),
    );
    expect(taken).toMatchObject({ reason: 'AlreadyExists', statusCode: 409, retryable: false });
    await client.patch(resources.configMaps, env.namespace, 'race', { data: { k: 'changed' } });
    const stale = await failure(
      client.replace(resources.configMaps, env.namespace, 'race', { ...object, data: { k: 'x' } }),
    );
    expect(stale).toMatchObject({ reason: 'Conflict', statusCode: 409, retryable: true });
  });

  it('names the invalid field, and never quotes a Secret value it rejects', async () => {
    const invalid = await failure(
      client.create(resources.configMaps, env.namespace, configMap('Not_A_Name')),
    );
    expect(invalid).toMatchObject({ reason: 'Invalid', statusCode: 422 });
    expect(invalid.causes.map((cause) => cause.field)).toContain('metadata.name');

    const secret = await failure(
      client.create(resources.secrets, env.namespace, {
        metadata: { name: 'registry' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: { '.dockerconfigjson': '{"auths": "hunter2-password' },
      }),
    );
    expect(secret.reason).toBe('Invalid');
    expect(JSON.stringify({ message: secret.message, causes: secret.causes })).not.toContain(
      'hunter2',
    );
  });

  it('applies server-side under its field manager, and forces a conflict only when asked', async () => {
    const intent = (value: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied' },
      data: { owner: value },
    });
    await client.patch(resources.configMaps, env.namespace, 'applied', intent('first'), {
      strategy: 'apply',
      fieldManager: 'first',
    });
    const conflict = await failure(
      client.patch(resources.configMaps, env.namespace, 'applied', intent('second'), {
        strategy: 'apply',
        fieldManager: 'second',
      }),
    );
    expect(conflict).toMatchObject({ reason: 'Conflict', statusCode: 409 });
    expect(conflict.causes[0]).toMatchObject({
      reason: 'FieldManagerConflict',
      field: '.data.owner',
    });
    const forced = await client.patch<KubeObject & { data: Record<string, string> }>(
      resources.configMaps,
      env.namespace,
      'applied',
      intent('second'),
      { strategy: 'apply', fieldManager: 'second', force: true },
    );
    expect(forced.data.owner).toBe('second');
    const patched = await client.patch<KubeObject & { data: Record<string, string> }>(
      resources.configMaps,
      env.namespace,
      'applied',
      [{ op: 'replace', path: '/data/owner', value: 'json' }],
      { strategy: 'json' },
    );
    expect(patched.data.owner).toBe('json');
  });

  it('deletes only under its preconditions, and says when the object was already gone', async () => {
    const { object } = await client.create(
      resources.configMaps,
      env.namespace,
      configMap('doomed'),
    );
    const wrongUid = await failure(
      client.delete(resources.configMaps, env.namespace, 'doomed', {
        preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
      }),
    );
    expect(wrongUid).toMatchObject({ reason: 'Conflict', statusCode: 409 });
    const options = {
      propagationPolicy: 'Background',
      preconditions: { uid: object.metadata?.uid as string },
    } as const;
    expect(await client.delete(resources.configMaps, env.namespace, 'doomed', options)).toBe(true);
    expect(await client.delete(resources.configMaps, env.namespace, 'doomed')).toBe(false);
  });

  it('watches from a list, and ends closed when the server times the watch out', async () => {
    const { resourceVersion } = await client.list(resources.configMaps, env.namespace, {
      labelSelector: 'watched=yes',
    });
    const events: string[] = [];
    const watching = client.watch(
      resources.configMaps,
      env.namespace,
      (event: WatchEvent) => {
        if (event.type !== 'BOOKMARK') events.push(`${event.type} ${event.object.metadata?.name}`);
      },
      { resourceVersion, labelSelector: 'watched=yes', timeoutSeconds: 3, stallTimeoutMs: 60_000 },
    );
    await client.create(resources.configMaps, env.namespace, configMap('seen', { watched: 'yes' }));
    await client.patch(resources.configMaps, env.namespace, 'seen', { data: { k: 'w' } });
    await client.delete(resources.configMaps, env.namespace, 'seen');
    expect(await watching).toEqual({ end: 'closed' });
    expect(events).toEqual(['ADDED seen', 'MODIFIED seen', 'DELETED seen']);
  });

  it('starts a watch without a resourceVersion with the objects that exist', async () => {
    await client.create(resources.configMaps, env.namespace, configMap('before', { early: 'yes' }));
    const events: string[] = [];
    const outcome = await client.watch(
      resources.configMaps,
      env.namespace,
      (event: WatchEvent) => {
        if (event.type !== 'BOOKMARK') events.push(`${event.type} ${event.object.metadata?.name}`);
      },
      { labelSelector: 'early=yes', timeoutSeconds: 2, stallTimeoutMs: 60_000 },
    );
    expect(outcome).toEqual({ end: 'closed' });
    expect(events).toEqual(['ADDED before']);
  });
});
