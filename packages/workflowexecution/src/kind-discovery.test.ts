import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { noopLogger } from '@roundhouse/core';
import { KubeClient, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { rolloutsDiscovery } from './discovery.test-support.js';
import { KindDiscovery } from './kind-discovery.js';
import type { KindTable } from './kind-table.js';

function setup(answers: (() => Promise<unknown[]>)[]) {
  let clock = 0;
  const reads: number[] = [];
  const tables: KindTable[] = [];
  const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const client = {
    discoverApiResources: vi.fn(async () => {
      reads.push(clock);
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      return answer();
    }),
  };
  const kinds = new KindDiscovery(client, (table) => tables.push(table), {
    logger,
    refreshMs: 600_000,
    unknownKindMs: 30_000,
    now: () => clock,
  });
  return {
    kinds,
    reads,
    tables,
    logger,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** An answer that settles when the test says so. */
function later() {
  let settle: { resolve: (documents: unknown[]) => void; reject: (error: Error) => void } = {
    resolve: () => {},
    reject: () => {},
  };
  const answer = () =>
    new Promise<unknown[]>((resolve, reject) => {
      settle = { resolve, reject };
    });
  return { answer, settle: () => settle };
}

/** A creationTimestamp `ms` after the clock's zero, in whole seconds as the API server writes it. */
const createdAt = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

describe('KindDiscovery', () => {
  it('hands on the kinds it read, and again only when they changed', async () => {
    const { kinds, tables } = setup([
      async () => rolloutsDiscovery(false),
      async () => rolloutsDiscovery(false),
      async () => rolloutsDiscovery(true),
    ]);
    await kinds.read();
    await kinds.read();
    expect(tables).toHaveLength(1);
    await kinds.read();
    expect(tables).toHaveLength(2);
    expect(tables[1]?.kindOf.get('ro')).toBe('rollout');
  });

  it("logs a failed read and keeps Kubernetes' own kinds", async () => {
    const { kinds, tables, logger } = setup([
      async () => {
        throw new KubernetesApiError('Forbidden', 'discover /apis: forbidden', 403, [], undefined);
      },
    ]);
    await kinds.read();
    expect(tables).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      { error: 'discover /apis: forbidden', reason: 'Forbidden' },
      "discovery could not be read; targets are compared by Kubernetes' own kinds until it is",
    );
  });

  it('holds both spellings of a kind installed after the last read until a read begun after they were created lists it', async () => {
    // Read at 0; the CRD is installed at 5 s; `ro` and `Rollout` are created at 10 s.
    const { kinds, reads, tables, advance } = setup([
      async () => rolloutsDiscovery(false),
      async () => rolloutsDiscovery(true),
    ]);
    await kinds.read();
    advance(10_000);
    const short = () => kinds.learnKindOf('prod/ro/app', createdAt(10_000));
    const kind = () => kinds.learnKindOf('prod/Rollout/app', createdAt(10_000));
    // Neither goes on by its fallback name: they come back once unknownKindMs have passed.
    expect([short(), kind()]).toEqual([20_000, 20_000]);
    expect(reads).toEqual([0]);
    advance(20_000);
    expect([short(), kind()]).toEqual([1_000, 1_000]);
    await kinds.read();
    expect(reads).toEqual([0, 30_000]);
    expect([short(), kind()]).toEqual([undefined, undefined]);
    expect(tables.at(-1)?.kindOf.get('ro')).toBe('rollout');
  });

  it('does not count a read that began before the execution was created, nor one in the second it was', async () => {
    const first = later();
    const { kinds, reads, advance } = setup([first.answer, async () => rolloutsDiscovery(true)]);
    advance(200);
    const reading = kinds.read();
    advance(300);
    // Created at 0.5 s, stamped 0 s: a read counts once it began at 1 s or later, not at 0.2 s.
    const start = () => kinds.learnKindOf('prod/ro/app', createdAt(500));
    expect(start()).toBe(1_000);
    advance(1_000);
    first.settle().resolve(rolloutsDiscovery(false));
    await reading;
    expect(start()).toBe(30_000);
    advance(30_000);
    expect(start()).toBe(1_000);
    await kinds.read();
    expect(reads).toEqual([200, 31_500]);
    expect(start()).toBeUndefined();
  });

  it('waits for the second after the creation second before it reads', async () => {
    const { kinds, reads, advance } = setup([async () => rolloutsDiscovery(true)]);
    advance(60_400);
    expect(kinds.learnKindOf('prod/ro/app', createdAt(60_400))).toBe(600);
    expect(reads).toEqual([]);
    advance(600);
    expect(kinds.learnKindOf('prod/ro/app', createdAt(60_400))).toBe(1_000);
    expect(reads).toEqual([61_000]);
  });

  it('reads again only unknownKindMs after a read that timed out ended, and lets the start go on after a failed one', async () => {
    const slow = later();
    const { kinds, reads, tables, logger, advance } = setup([
      async () => rolloutsDiscovery(false),
      slow.answer,
      async () => {
        throw new KubernetesApiError('Timeout', 'discover /apis: timed out', 504, [], undefined);
      },
    ]);
    await kinds.read();
    advance(30_000);
    const start = (created: number) => kinds.learnKindOf('prod/ro/app', createdAt(created));
    expect(start(29_000)).toBe(1_000);
    advance(25_000);
    slow.settle().reject(new KubernetesApiError('Timeout', 'timed out', 504, [], undefined));
    await kinds.read();
    // Began at 30 s, ended at 55 s; an execution created at 40 s waits for a read begun at 85 s.
    expect(start(29_000)).toBeUndefined();
    expect(start(40_000)).toBe(30_000);
    advance(30_000);
    expect(start(40_000)).toBe(1_000);
    await kinds.read();
    expect(reads).toEqual([0, 30_000, 85_000]);
    expect(tables).toHaveLength(1);
    expect(logger.warn).toHaveBeenLastCalledWith(
      { error: 'discover /apis: timed out', reason: 'Timeout' },
      'discovery could not be read; targets are compared by the kinds it listed before',
    );
    expect(start(40_000)).toBeUndefined();
  });

  it('lets starts on unknown kinds share the read under way', async () => {
    const { kinds, reads, advance } = setup([
      async () => rolloutsDiscovery(false),
      async () => rolloutsDiscovery(true),
    ]);
    await kinds.read();
    advance(30_000);
    expect(kinds.learnKindOf('prod/ro/app', createdAt(20_000))).toBe(1_000);
    expect(kinds.learnKindOf('prod/Canary/app', createdAt(25_000))).toBe(1_000);
    await kinds.read();
    expect(reads).toEqual([0, 30_000]);
    expect(kinds.learnKindOf('prod/ro/app', createdAt(20_000))).toBeUndefined();
    expect(kinds.learnKindOf('prod/Canary/app', createdAt(25_000))).toBeUndefined();
  });

  it('waits for nothing on a known kind, and reads in the background refreshMs after the last read ended', async () => {
    const next = later();
    const { kinds, reads, advance } = setup([async () => rolloutsDiscovery(true), next.answer]);
    await kinds.read();
    advance(599_999);
    expect(kinds.learnKindOf('prod/deploy/app', createdAt(599_999))).toBeUndefined();
    expect(kinds.learnKindOf('prod/ro/app', createdAt(599_999))).toBeUndefined();
    expect(reads).toEqual([0]);
    advance(1);
    expect(kinds.learnKindOf('prod/ro/app', createdAt(600_000))).toBeUndefined();
    expect(kinds.learnKindOf('prod/deploy/app', createdAt(600_000))).toBeUndefined();
    expect(reads).toEqual([0, 600_000]);
    next.settle().resolve(rolloutsDiscovery(true));
  });

  it('lets an execution without a creationTimestamp go on after any read', async () => {
    const { kinds } = setup([async () => rolloutsDiscovery(false)]);
    await kinds.read();
    expect(kinds.learnKindOf('prod/ro/app', undefined)).toBeUndefined();
  });

  it('reads an API server that serves aggregated discovery only as v2beta1 (1.27 to 1.29)', async () => {
    // It answers the first type of the Accept it serves, as kube-apiserver negotiates: the
    // v2beta1 document, else the plain group list.
    const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
    const server = createServer((req, res) => {
      const accepted = (req.headers.accept ?? '').split(',').map((type) => type.trim());
      const served = accepted.find((type) => type === v2beta1 || type === 'application/json');
      const [core, apis] = rolloutsDiscovery(true).map((document) => ({
        ...(document as object),
        apiVersion: 'apidiscovery.k8s.io/v2beta1',
      }));
      const body =
        served === v2beta1
          ? req.url === '/api'
            ? core
            : apis
          : { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
      res.writeHead(200, { 'content-type': served ?? 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new KubeClient({
      getCurrentCluster: () => ({
        name: 'old',
        server: `http://127.0.0.1:${port}`,
        skipTLSVerify: true,
      }),
      applyToHTTPSOptions: async () => {},
    });
    onTestFinished(async () => {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const tables: KindTable[] = [];
    await new KindDiscovery(client, (table) => tables.push(table), {
      logger: noopLogger,
      refreshMs: 600_000,
      unknownKindMs: 30_000,
    }).read();
    expect(tables.at(-1)?.kindOf.get('ro')).toBe('rollout');
  });
});
