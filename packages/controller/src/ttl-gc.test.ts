import { type KubeObject, KubernetesApiError, type ListOptions } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  completedTimeLabelValue,
  hasTerminalLabels,
  isExpired,
  TtlGarbageCollector,
  terminalLabels,
} from './ttl-gc.js';

const keys = {
  terminated: 'example.dev/termination-status',
  completedTime: 'example.dev/completed-time',
};
const hour = 3_600_000;

describe('completed-time labels', () => {
  it('are UTC minutes that sort as time does', () => {
    const value = completedTimeLabelValue(new Date('2026-03-01T09:07:59.999Z'));
    expect(value).toBe('2026-03-01.09-07');
    expect(completedTimeLabelValue(new Date('2026-03-01T10:00:00Z')) > value).toBe(true);
    expect(completedTimeLabelValue(new Date('2026-12-31T23:59:00Z')) > '2026-03-01.10-00').toBe(
      true,
    );
  });

  it('mark an object finished, and are recognised', () => {
    const labels = terminalLabels(keys, new Date('2026-03-01T09:07:00Z'));
    expect(labels).toEqual({
      'example.dev/termination-status': 'terminated',
      'example.dev/completed-time': '2026-03-01.09-07',
    });
    expect(hasTerminalLabels(labels, keys)).toBe(true);
    expect(hasTerminalLabels({ ...labels, [keys.completedTime]: 'soon' }, keys)).toBe(false);
    expect(hasTerminalLabels(undefined, keys)).toBe(false);
  });
});

describe('isExpired', () => {
  const finished = '2026-03-01.09-07';

  it('is never early and at most a minute late', () => {
    expect(isExpired(finished, hour, new Date('2026-03-01T10:07:59Z'))).toBe(false);
    expect(isExpired(finished, hour, new Date('2026-03-01T10:08:00Z'))).toBe(true);
  });

  it('expires everything finished when the TTL is zero or less', () => {
    expect(isExpired(finished, 0, new Date('2026-03-01T09:07:00Z'))).toBe(true);
    expect(isExpired(finished, -1, new Date('2020-01-01T00:00:00Z'))).toBe(true);
  });

  it('never expires a malformed label', () => {
    expect(isExpired('yesterday', 0, new Date())).toBe(false);
  });
});

/**
 * A fake API server: `list` answers `listed`, `delete` succeeds for names still `present`,
 * and conflicts for names taken by a new object since the list.
 */
class Objects {
  readonly lists: ListOptions[] = [];
  readonly deleted: string[] = [];
  readonly present: Set<string>;

  constructor(
    readonly listed: KubeObject[],
    readonly replaced = new Set<string>(),
  ) {
    this.present = new Set(listed.map((i) => i.metadata?.name as string));
  }

  async list<T>(_type: unknown, _ns: unknown, options: ListOptions = {}) {
    this.lists.push(options);
    return { items: this.listed as T[], resourceVersion: '1' };
  }

  async delete(_type: unknown, _ns: unknown, name: string): Promise<boolean> {
    if (this.replaced.has(name)) throw new KubernetesApiError('Conflict', 'uid differs', 409);
    if (!this.present.delete(name)) return false;
    this.deleted.push(name);
    return true;
  }
}

const finishedAt = (name: string, when: string): KubeObject => ({
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    labels: terminalLabels(keys, new Date(when)),
  },
});

describe('TtlGarbageCollector.sweep', () => {
  const type = { group: 'x', version: 'v1', kind: 'Thing', plural: 'things', namespaced: true };
  const now = () => new Date('2026-03-01T12:00:00Z');

  it('lists finished objects by their labels, in pages, and deletes only the expired ones', async () => {
    const server = new Objects([
      finishedAt('old', '2026-03-01T10:00:00Z'),
      finishedAt('recent', '2026-03-01T11:30:00Z'),
    ]);
    const gc = new TtlGarbageCollector(server, type, {
      labels: keys,
      ttlMs: hour,
      intervalMs: 1,
      pageSize: 2,
      now,
    });
    expect(await gc.sweep()).toEqual({ examined: 2, deleted: 1 });
    expect(server.deleted).toEqual(['old']);
    expect(server.lists).toEqual([
      {
        labelSelector: 'example.dev/termination-status=terminated,example.dev/completed-time',
        limit: 2,
        signal: undefined,
      },
    ]);
  });

  it('leaves alone an object labelled finished that its status says is not', async () => {
    const running = {
      ...finishedAt('running', '2000-01-01T00:00:00Z'),
      status: { phase: 'Running' },
    };
    const done = { ...finishedAt('done', '2026-03-01T10:00:00Z'), status: { phase: 'Done' } };
    const server = new Objects([running, done]);
    const gc = new TtlGarbageCollector(server, type, {
      labels: keys,
      ttlMs: hour,
      intervalMs: 1,
      isFinished: (object) => (object.status as { phase?: string }).phase === 'Done',
      now,
    });
    expect(await gc.sweep()).toEqual({ examined: 2, deleted: 1 });
    expect(server.deleted).toEqual(['done']);
  });

  it('counts an object already gone as done, and leaves one replaced under its name alone', async () => {
    const server = new Objects(
      [finishedAt('gone', '2026-03-01T10:00:00Z'), finishedAt('replaced', '2026-03-01T10:00:00Z')],
      new Set(['replaced']),
    );
    // Deleted by its owner's cascade after the list, before the collector got to it.
    server.present.delete('gone');
    const gc = new TtlGarbageCollector(server, type, {
      labels: keys,
      ttlMs: 0,
      intervalMs: 1,
      now,
    });
    expect(await gc.sweep()).toEqual({ examined: 2, deleted: 0 });
  });
});
