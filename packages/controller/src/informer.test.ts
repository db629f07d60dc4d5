/**
 * Past 350 lines: the informer's list, watch, relist and fault handling against one scripted API
 * server (faults a real one cannot produce on demand) the cases share.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { AbortedError, maxObjectBytes, noopLogger, withRequestGate } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withoutManagedFields } from './cached-object.js';
import { delay } from './delay.js';
import { Informer, listPageBytes } from './informer.js';

// The real pauses, recorded: a test can tell a watch restarted at once from one restarted after
// a backoff without timing it.
vi.mock('./delay.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./delay.js')>();
  return { ...actual, delay: vi.fn(actual.delay) };
});

// A real API server cannot be made to answer 410 or to go silent on demand, so these tests
// talk to a scripted one. Everything else is tested against the real control plane.

type Reply = (response: ServerResponse) => void;
/** A list's reply, which may read the request's query (`limit`, `continue`). */
type ListReply = (response: ServerResponse, url: URL) => void;

interface FakeApiServer {
  readonly kubeConfig: KubeConfig;
  /** Replies for the next list requests, in order; the last one repeats. */
  readonly lists: ListReply[];
  /** Replies for the next watch requests, in order; once used up, a watch stays open and silent. */
  readonly watches: Reply[];
  /** Query of every watch request. */
  readonly watchQueries: URLSearchParams[];
  /** Label selector of every list request. */
  readonly listSelectors: (string | null)[];
  readonly openWatches: () => number;
  close(): Promise<void>;
}

const servers: FakeApiServer[] = [];
const informers: Informer<KubeObject>[] = [];

afterEach(async () => {
  await Promise.all(informers.splice(0).map((informer) => informer.stop()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function fakeApiServer(): Promise<FakeApiServer> {
  const lists: ListReply[] = [];
  const watches: Reply[] = [];
  const watchQueries: URLSearchParams[] = [];
  const listSelectors: (string | null)[] = [];
  let lastList: ListReply | undefined;
  let open = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.searchParams.has('watch')) {
      watchQueries.push(url.searchParams);
      open += 1;
      response.on('close', () => {
        open -= 1;
      });
      const reply = watches.shift();
      if (reply) reply(response);
      else response.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      return;
    }
    listSelectors.push(url.searchParams.get('labelSelector'));
    lastList = lists.shift() ?? lastList;
    (lastList ?? status(500))(response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace: 'ns' }],
    currentContext: 'fake',
  });
  const fake: FakeApiServer = {
    kubeConfig,
    lists,
    watches,
    watchQueries,
    listSelectors,
    openWatches: () => open,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(fake);
  return fake;
}

/** A ConfigMap whose data changes with each version, so every version is a change to report. */
const cm = (name: string, resourceVersion: number, uid = `uid-${name}`): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', uid, resourceVersion: String(resourceVersion) },
  data: { version: String(resourceVersion) },
});

const list =
  (items: KubeObject[], resourceVersion: number): Reply =>
  (response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(resourceVersion) },
        // List items of built-in kinds carry no apiVersion and kind.
        items: items.map(({ apiVersion: _apiVersion, kind: _kind, ...item }) => item),
      }),
    );
  };

const status =
  (code: number): Reply =>
  (response) => {
    response.writeHead(code, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code }));
  };

/** A refusal that asks the client to come back after `seconds`, as API Priority and Fairness does. */
const tooManyRequests =
  (seconds: number): Reply =>
  (response) => {
    response.writeHead(429, { 'content-type': 'application/json', 'retry-after': `${seconds}` });
    response.end(
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 429 }),
    );
  };

type Event = { type: string; object: unknown };

/**
 * A list answered in pages as the API server pages it: `limit` objects from where the
 * `continue` token says, with a token while more are left. Records each page's size in bytes.
 */
const paged =
  (items: KubeObject[], resourceVersion: number, pageBytes: number[]): ListReply =>
  (response, url) => {
    const start = Number(url.searchParams.get('continue') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? items.length);
    const end = Math.min(items.length, start + limit);
    const body = JSON.stringify({
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: {
        resourceVersion: String(resourceVersion),
        ...(end < items.length ? { continue: String(end) } : {}),
      },
      items: items.slice(start, end),
    });
    pageBytes.push(Buffer.byteLength(body));
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };

/** A watch stream that sends `events`, then ends or stays open. */
const stream =
  (events: Event[], end: boolean): Reply =>
  (response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    for (const event of events) response.write(`${JSON.stringify(event)}\n`);
    if (end) response.end();
    else response.flushHeaders();
  };

const gone: Event = {
  type: 'ERROR',
  object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 },
};

const bookmark = (resourceVersion: number): Event => ({
  type: 'BOOKMARK',
  object: {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: { resourceVersion: `${resourceVersion}` },
  },
});

function informer(
  api: FakeApiServer,
  options: { stallTimeoutMs?: number; labelSelector?: string } = {},
) {
  const created = new Informer<KubeObject>(api.kubeConfig, resources.configMaps, {
    namespace: 'ns',
    ...options,
  });
  const seen: string[] = [];
  created
    .on('add', (o) => seen.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`))
    .on('update', (o, old) =>
      seen.push(
        `update ${o.metadata?.name}@${old?.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`,
      ),
    )
    .on('delete', (o, { finalStateUnknown }) =>
      seen.push(
        `delete ${o.metadata?.name}@${o.metadata?.resourceVersion}${finalStateUnknown ? ' unseen' : ''}`,
      ),
    );
  informers.push(created);
  return { informer: created, seen };
}

const patience = { timeout: 10_000, interval: 20 };

// Backoff between retries adds up to seconds; leave room for a loaded machine.
describe('Informer against a scripted API server', { timeout: 30_000 }, () => {
  it('lists, then reports watch events, updating only when the resourceVersion changes', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    api.watches.push(
      stream(
        [
          { type: 'ADDED', object: cm('b', 11) },
          { type: 'MODIFIED', object: cm('a', 12) },
          { type: 'MODIFIED', object: cm('a', 12) },
          { type: 'DELETED', object: cm('b', 13) },
        ],
        false,
      ),
    );
    const { informer: inf, seen } = informer(api, { labelSelector: 'app=x' });
    expect(inf.hasSynced()).toBe(false);
    await inf.start();
    expect(inf.hasSynced()).toBe(true);
    expect(inf.get('ns', 'a')).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    await vi.waitFor(() => expect(seen).toHaveLength(4), patience);
    expect(seen).toEqual(['add a@5', 'add b@11', 'update a@5->12', 'delete b@13']);
    expect(inf.list('ns').map((o) => o.metadata?.resourceVersion)).toEqual(['12']);
    expect(inf.get('ns', 'b')).toBeUndefined();
    expect(api.watchQueries[0]?.get('watch')).toBe('1');
    expect(api.watchQueries[0]?.get('resourceVersion')).toBe('10');
    expect(api.watchQueries[0]?.get('allowWatchBookmarks')).toBe('true');
    expect(api.watchQueries[0]?.get('labelSelector')).toBe('app=x');
    expect(api.listSelectors[0]).toBe('app=x');
  });

  it('wakes no handler for a version that differs only in what its transform drops, its resourceVersion or its managedFields, yet caches that version', async () => {
    const pod = (resourceVersion: number, phase: string, extra: object = {}): KubeObject => ({
      ...cm('p', resourceVersion),
      data: { phase },
      ...extra,
    });
    // As the job engine's pod cache: keeps the phase, drops the spec (where the node lands).
    const keepPhase = ({ spec: _spec, ...obj }: KubeObject & { spec?: unknown }) =>
      withoutManagedFields(obj);
    const api = await fakeApiServer();
    api.lists.push(list([pod(5, 'Pending')], 10));
    api.watches.push(
      stream(
        [
          { type: 'MODIFIED', object: pod(6, 'Pending', { spec: { nodeName: 'node-1' } }) },
          {
            type: 'MODIFIED',
            object: pod(7, 'Pending', {
              metadata: { ...cm('p', 7).metadata, managedFields: [{ manager: 'kubelet' }] },
            }),
          },
          { type: 'MODIFIED', object: pod(8, 'Running') },
        ],
        false,
      ),
    );
    const inf = new Informer<KubeObject>(api.kubeConfig, resources.configMaps, {
      namespace: 'ns',
      transform: keepPhase,
    });
    informers.push(inf);
    const seen: string[] = [];
    inf
      .on('add', (o) => seen.push(`add ${o.metadata?.resourceVersion}`))
      .on('update', (o, old) =>
        seen.push(`update ${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
      );
    await inf.start();
    await vi.waitFor(() => expect(seen).toHaveLength(2), patience);
    expect(seen).toEqual(['add 5', 'update 7->8']);
    expect(inf.get('ns', 'p')?.metadata?.resourceVersion).toBe('8');
  });

  it('lists objects as large as the API server stores in pages that each stay within listPageBytes', async () => {
    const api = await fakeApiServer();
    // Each as large as etcd takes (maxObjectBytes), its metadata included.
    const large = Array.from({ length: 12 }, (_, i) => ({
      ...cm(`large-${i}`, i + 1),
      data: { value: String(i % 10).repeat(maxObjectBytes - 200) },
    }));
    const pageBytes: number[] = [];
    api.lists.push(paged(large, 30, pageBytes));
    const { informer: cache } = informer(api);
    await cache.start();
    expect(cache.list().map((o) => o.metadata?.name)).toEqual(large.map((o) => o.metadata?.name));
    expect(pageBytes.length).toBeGreaterThan(1);
    expect(Math.max(...pageBytes)).toBeLessThanOrEqual(listPageBytes);
  });

  it('lists and watches when started by work whose request gate refuses everything', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    api.watches.push(stream([{ type: 'ADDED', object: cm('b', 11) }], false));
    const { informer: inf, seen } = informer(api);
    // A reconcile's first read of a kind starts its informer; the cache outlives that term.
    await withRequestGate(
      () => new Error('the lease is lost'),
      () => inf.start(),
    );
    await vi.waitFor(() => expect(seen).toEqual(['add a@5', 'add b@11']), patience);
  });

  it('relists when the watch is refused with 410 Gone, reporting what changed meanwhile and a delete it did not see as such', async () => {
    const api = await fakeApiServer();
    api.lists.push(
      list([cm('a', 5), cm('b', 6), cm('c', 7)], 10),
      list([cm('b', 6), cm('c', 15), cm('d', 16)], 20),
    );
    api.watches.push(status(410));
    const { informer: inf, seen } = informer(api);
    await inf.start();
    await vi.waitFor(() => expect(api.watchQueries).toHaveLength(2), patience);
    // Deleted while no watch followed it: the handler gets the last state seen, marked so.
    expect(seen).toEqual([
      'add a@5',
      'add b@6',
      'add c@7',
      'update c@7->15',
      'add d@16',
      'delete a@5 unseen',
    ]);
    expect(api.watchQueries[1]?.get('resourceVersion')).toBe('20');
  });

  it('relists on a 410 ERROR event mid-stream and never reports a delete twice', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5), cm('b', 6)], 10), list([cm('c', 12)], 30));
    // The stream stays open after the ERROR: the informer must act on the event itself.
    api.watches.push(
      stream(
        [{ type: 'DELETED', object: cm('a', 11) }, { type: 'ADDED', object: cm('c', 12) }, gone],
        false,
      ),
    );
    const { informer: inf, seen } = informer(api);
    await inf.start();
    await vi.waitFor(() => expect(api.watchQueries).toHaveLength(2), patience);
    expect(seen).toEqual(['add a@5', 'add b@6', 'delete a@11', 'add c@12', 'delete b@6 unseen']);
    expect(api.watchQueries[1]?.get('resourceVersion')).toBe('30');
    await vi.waitFor(() => expect(api.openWatches()).toBe(1), patience);
  });

  it('relists after a watch the server refused or ended with an error other than 410, as client-go does; resumes after a 429', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10), list([cm('a', 5), cm('b', 11)], 20));
    const internal: Event = {
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError' },
    };
    api.watches.push(tooManyRequests(0), stream([internal], false), status(503));
    const { informer: inf, seen } = informer(api);
    await inf.start();
    // 429: the same watch again; the ERROR event and the 503: a list before each next watch.
    await vi.waitFor(() => expect(api.watchQueries).toHaveLength(4), patience);
    expect(api.listSelectors).toHaveLength(3);
    expect(api.watchQueries.map((q) => q.get('resourceVersion'))).toEqual(['10', '10', '20', '20']);
    expect(seen).toEqual(['add a@5', 'add b@11']);
  });

  it('drops the watch and relists at an event it cannot cache, skipping the rest of the stream', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10), list([cm('a', 5), cm('c', 13)], 30));
    api.watches.push(
      stream(
        [
          { type: 'ADDED', object: { metadata: { name: 'nameless-rv' } } },
          { type: 'ADDED', object: cm('b', 12) },
        ],
        false,
      ),
    );
    const { informer: inf, seen } = informer(api);
    await inf.start();
    await vi.waitFor(() => expect(api.watchQueries).toHaveLength(2), patience);
    expect(seen).toEqual(['add a@5', 'add c@13']);
    expect(api.watchQueries[1]?.get('resourceVersion')).toBe('30');
    await vi.waitFor(() => expect(api.openWatches()).toBe(1), patience);
  });

  it('reports a name taken over by a new object as a delete of an unseen final state and an add', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5, 'old')], 10), list([cm('a', 12, 'new')], 20));
    api.watches.push(status(410));
    const { informer: inf, seen } = informer(api);
    await inf.start();
    await vi.waitFor(() => expect(seen).toHaveLength(3), patience);
    expect(seen).toEqual(['add a@5', 'delete a@5 unseen', 'add a@12']);
    expect(inf.get('ns', 'a')?.metadata?.uid).toBe('new');
  });

  it('restarts a watch that delivers nothing for the stall timeout, from the same resourceVersion', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    api.watches.push(stream([], false), stream([{ type: 'ADDED', object: cm('b', 11) }], false));
    const { informer: inf, seen } = informer(api, { stallTimeoutMs: 300 });
    await inf.start();
    await vi.waitFor(() => expect(seen).toContain('add b@11'), patience);
    expect(api.watchQueries.map((q) => q.get('resourceVersion'))).toEqual(['10', '10']);
    // The stalled connection was closed, not leaked.
    await vi.waitFor(() => expect(api.openWatches()).toBe(1), patience);
  });

  it('resumes from the last bookmark when the server ends a watch', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    api.watches.push(
      stream([bookmark(40)], true),
      stream([{ type: 'ADDED', object: cm('b', 41) }], false),
    );
    const { informer: inf, seen } = informer(api);
    await inf.start();
    await vi.waitFor(() => expect(seen).toContain('add b@41'), patience);
    expect(api.watchQueries.map((q) => q.get('resourceVersion'))).toEqual(['10', '40']);
    expect(api.listSelectors).toHaveLength(1);
  });

  it('watches again at once after a quiet watch the server held open and then ended', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    // An API server that sends no bookmarks (its watch cache off) ends quiet watches empty.
    const quiet: Reply = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      setTimeout(() => response.end(), 1_500);
    };
    api.watches.push(quiet, quiet, quiet, quiet, quiet);
    api.watches.push(stream([{ type: 'ADDED', object: cm('b', 11) }], false));
    const { informer: inf, seen } = informer(api);
    await inf.start();
    vi.mocked(delay).mockClear();
    await vi.waitFor(() => expect(seen).toContain('add b@11'), { ...patience, timeout: 25_000 });
    // Backing off after each, as after a failure, would pause before every next watch.
    expect(delay).not.toHaveBeenCalled();
    expect(api.watchQueries.map((q) => q.get('resourceVersion'))).toEqual(Array(6).fill('10'));
  });

  it('watches again at once after a watch stalled, however often', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    // Every watch stays open and silent, as on a quiet resource when no bookmarks come.
    const { informer: inf } = informer(api, { stallTimeoutMs: 1_200 });
    await inf.start();
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    // A stall every 1.2 s: six watches in 7 s. Backing off after each, growing, allows three.
    expect(api.watchQueries.length).toBeGreaterThanOrEqual(5);
    expect(api.listSelectors).toHaveLength(1);
  });

  it('keeps retrying failed lists and watches instead of stopping', async () => {
    const api = await fakeApiServer();
    api.lists.push(status(500), status(403), list([cm('a', 5)], 10));
    api.watches.push(status(500), stream([{ type: 'ADDED', object: cm('b', 11) }], false));
    const { informer: inf, seen } = informer(api);
    await inf.start();
    expect(api.listSelectors).toHaveLength(3);
    await vi.waitFor(() => expect(seen).toEqual(['add a@5', 'add b@11']), patience);
    expect(api.watchQueries.map((q) => q.get('resourceVersion'))).toEqual(['10', '10']);
  });

  it('says the kind is not served, and how to fix that, when its list is answered 404', async () => {
    const api = await fakeApiServer();
    api.lists.push(status(404), list([cm('a', 5)], 10));
    const warnings: string[] = [];
    const logger = {
      ...noopLogger,
      warn: (_fields: object, message: string) => warnings.push(message),
    };
    const inf = new Informer<KubeObject>(api.kubeConfig, resources.configMaps, {
      namespace: 'ns',
      logger,
    });
    informers.push(inf);
    await inf.start();
    expect(warnings).toEqual([
      'list failed: the API server does not serve configmaps (v1); is its CustomResourceDefinition installed? retrying',
    ]);
  });

  it('waits as long as the server asked (Retry-After) before listing or watching again', async () => {
    const api = await fakeApiServer();
    api.lists.push(tooManyRequests(2), list([cm('a', 5)], 10));
    api.watches.push(tooManyRequests(2), stream([{ type: 'ADDED', object: cm('b', 11) }], false));
    const { informer: inf, seen } = informer(api);
    const listedAt = performance.now();
    await inf.start();
    // Its own backoff would have asked again after 0.5 to 0.75 s.
    expect(performance.now() - listedAt).toBeGreaterThanOrEqual(1_950);
    const watchedAt = performance.now();
    await vi.waitFor(() => expect(seen).toEqual(['add a@5', 'add b@11']), patience);
    expect(performance.now() - watchedAt).toBeGreaterThanOrEqual(1_950);
  });

  it('backs off, growing, when every watch is refused with 410 right after its list', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    api.watches.push(...Array.from({ length: 1_000 }, () => status(410)));
    const { informer: inf } = informer(api);
    await inf.start();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Backoff of 0.5-0.75 s, then 1-1.5 s: at most three lists in two seconds, not hundreds.
    expect(api.listSelectors.length).toBeGreaterThanOrEqual(2);
    expect(api.listSelectors.length).toBeLessThanOrEqual(3);
  });

  it('keeps a write observed during a relist instead of the older listed copy', async () => {
    const api = await fakeApiServer();
    let relisting!: () => void;
    const relisted = new Promise<void>((resolve) => {
      relisting = resolve;
    });
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    api.lists.push(list([cm('a', 5)], 10), (response) => {
      relisting();
      void answered.then(() => list([cm('a', 5)], 11)(response));
    });
    api.watches.push(status(410));
    const { informer: inf, seen } = informer(api);
    await inf.start();
    await relisted;
    inf.observe(cm('a', 7));
    answer();
    await vi.waitFor(() => expect(api.watchQueries).toHaveLength(2), patience);
    expect(seen).toEqual(['add a@5', 'update a@5->7']);
    expect(inf.get('ns', 'a')?.metadata?.resourceVersion).toBe('7');
  });

  it('survives a handler that throws', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5)], 10));
    api.watches.push(stream([{ type: 'ADDED', object: cm('b', 11) }], false));
    const { informer: inf, seen } = informer(api);
    inf.on('add', () => {
      throw new Error('broken handler');
    });
    await inf.start();
    await vi.waitFor(() => expect(seen).toEqual(['add a@5', 'add b@11']), patience);
  });

  it('replays the cache to an add handler registered after sync', async () => {
    const api = await fakeApiServer();
    api.lists.push(list([cm('a', 5), cm('b', 6)], 10));
    const { informer: inf } = informer(api);
    await inf.start();
    const late: string[] = [];
    inf.on('add', (o) => late.push(o.metadata?.name as string));
    expect(late.sort()).toEqual(['a', 'b']);
  });

  it('rejects start with AbortedError when stopped before the first list, and closes its watch on stop', async () => {
    const api = await fakeApiServer();
    api.lists.push(status(503));
    const { informer: unsynced } = informer(api);
    const starting = unsynced.start();
    await unsynced.stop();
    await expect(starting).rejects.toBeInstanceOf(AbortedError);

    const other = await fakeApiServer();
    other.lists.push(list([cm('a', 5)], 10));
    const { informer: inf } = informer(other);
    await inf.start();
    await vi.waitFor(() => expect(other.openWatches()).toBe(1), patience);
    await inf.stop();
    expect(inf.hasSynced()).toBe(false);
    await vi.waitFor(() => expect(other.openWatches()).toBe(0), patience);
    expect(inf.get('ns', 'a')).toBeDefined();
  });
});
