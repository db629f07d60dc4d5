import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { KindDiscovery } from './kind-discovery.js';
import type { KindTable } from './kind-table.js';

/** `/api` and `/apis` of a cluster serving Rollouts (`ro`) once `rollouts` is true. */
function documents(rollouts: boolean): unknown[] {
  const resource = {
    resource: 'rollouts',
    responseKind: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' },
    scope: 'Namespaced',
    singularResource: 'rollout',
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ro'],
  };
  return [
    { kind: 'APIGroupDiscoveryList', items: [] },
    {
      kind: 'APIGroupDiscoveryList',
      items: rollouts
        ? [
            {
              metadata: { name: 'argoproj.io' },
              versions: [{ version: 'v1', resources: [resource] }],
            },
          ]
        : [],
    },
  ];
}

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

const never = new AbortController().signal;

describe('KindDiscovery', () => {
  it('hands on the kinds it read, and again only when they changed', async () => {
    const { kinds, tables } = setup([
      async () => documents(false),
      async () => documents(false),
      async () => documents(true),
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

  it('reads again before a start on an unknown kind, at most once per unknownKindMs', async () => {
    const { kinds, reads, tables, advance } = setup([
      async () => documents(false),
      async () => documents(true),
      async () => documents(true),
    ]);
    await kinds.read();
    advance(30_000);
    await kinds.learnKindOf('prod/ro/app', never);
    expect(tables.at(-1)?.kindOf.get('ro')).toBe('rollout');
    advance(1_000);
    await kinds.learnKindOf('prod/Canary/app', never);
    advance(28_999);
    await kinds.learnKindOf('prod/Canary/app', never);
    expect(reads).toEqual([0, 30_000]);
    advance(1);
    await kinds.learnKindOf('prod/Canary/app', never);
    expect(reads).toEqual([0, 30_000, 60_000]);
  });

  it('lets starts on unknown kinds share the read under way', async () => {
    let answer = (_documents: unknown[]) => {};
    const { kinds, reads, tables } = setup([
      () =>
        new Promise<unknown[]>((resolve) => {
          answer = resolve;
        }),
    ]);
    const starts = [
      kinds.learnKindOf('prod/ro/app', never),
      kinds.learnKindOf('prod/Rollout/app', never),
    ];
    await Promise.resolve();
    answer(documents(true));
    await Promise.all(starts);
    expect(reads).toHaveLength(1);
    expect(tables).toHaveLength(1);
  });

  it('waits for nothing on a known kind, and reads in the background once the kinds are refreshMs old', async () => {
    let answer = (_documents: unknown[]) => {};
    const { kinds, reads, advance } = setup([
      async () => documents(true),
      () =>
        new Promise<unknown[]>((resolve) => {
          answer = resolve;
        }),
    ]);
    await kinds.read();
    advance(599_999);
    await kinds.learnKindOf('prod/deploy/app', never);
    await kinds.learnKindOf('prod/ro/app', never);
    expect(reads).toEqual([0]);
    advance(1);
    await kinds.learnKindOf('prod/ro/app', never);
    expect(reads).toEqual([0, 600_000]);
    answer(documents(true));
  });

  it('stops waiting when the signal is aborted', async () => {
    const { kinds } = setup([() => new Promise<unknown[]>(() => {})]);
    const stop = new AbortController();
    const waiting = kinds.learnKindOf('prod/ro/app', stop.signal);
    stop.abort(new Error('lost the lease'));
    await expect(waiting).rejects.toThrow('lost the lease');
  });
});
