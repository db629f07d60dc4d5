import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  cooldownBlocking,
  heldByOtherEngine,
  keysToWake,
  targetIndex,
  waitersOnResource,
} from './target-index.js';

const execution = (
  name: string,
  phase: string | undefined,
  extra: { completionTime?: string; deletionTimestamp?: string; ran?: boolean } = {},
): KubeObject => ({
  metadata: {
    name,
    namespace: 'team-a',
    uid: name,
    ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}),
  },
  spec: { targetResource: 'prod/deployment/app' },
  ...(phase
    ? {
        status: {
          phase,
          ...(extra.completionTime ? { completionTime: extra.completionTime } : {}),
          ...(extra.ran === false ? {} : { executionRef: { name: 'wfe-0123456789abcdef' } }),
        },
      }
    : {}),
});

const indexOf = (objects: KubeObject[]) => ({
  byIndex: (name: string, value: string) =>
    name === targetIndex && value === 'prod/deployment/app' ? objects : [],
});

describe('keysToWake', () => {
  it('wakes the executions waiting on a target when its holder finishes or goes', () => {
    const holder = execution('holder', 'Completed');
    const waiting = execution('waiting', 'Pending');
    const running = execution('other', 'Running');
    const index = indexOf([holder, waiting, running]);
    expect(keysToWake(index, holder)).toEqual(['team-a/holder', 'team-a/waiting']);
    const deleting = execution('holder', 'Running', { deletionTimestamp: '2026-11-30T10:00:00Z' });
    expect(keysToWake(index, deleting)).toEqual(['team-a/holder', 'team-a/waiting']);
  });

  it('wakes only the execution itself while it runs', () => {
    const running = execution('holder', 'Running');
    expect(keysToWake(indexOf([running, execution('waiting', 'Pending')]), running)).toEqual([
      'team-a/holder',
    ]);
  });
});

describe('waitersOnResource', () => {
  const annotation = 'roundhouse.dev/target-resource';
  const resource = (deletionTimestamp?: string): KubeObject => ({
    metadata: {
      name: 'wfe-0123456789abcdef',
      annotations: { [annotation]: 'prod/deployment/app' },
      ...(deletionTimestamp ? { deletionTimestamp } : {}),
    },
  });

  it('wakes the executions waiting on its target once it is on its way out', () => {
    const index = indexOf([execution('holder', 'Completed'), execution('waiting', 'Pending')]);
    expect(waitersOnResource(index, resource(), annotation)).toEqual([]);
    expect(waitersOnResource(index, resource('2026-11-30T10:00:00Z'), annotation)).toEqual([
      'team-a/waiting',
    ]);
  });

  it('wakes nothing for a resource without the target annotation', () => {
    const index = indexOf([execution('waiting', 'Pending')]);
    const bare = { metadata: { name: 'x', deletionTimestamp: '2026-11-30T10:00:00Z' } };
    expect(waitersOnResource(index, bare, annotation)).toEqual([]);
  });
});

describe('cooldownBlocking', () => {
  it('finds the latest execution on the target still cooling down, never the execution itself', () => {
    const now = new Date('2026-11-30T10:05:00Z');
    const index = indexOf([
      execution('old', 'Completed', { completionTime: '2026-11-30T09:00:00Z' }),
      execution('recent', 'Failed', { completionTime: '2026-11-30T10:04:00Z' }),
      execution('self', 'Completed', { completionTime: '2026-11-30T10:04:30Z' }),
    ]);
    expect(
      cooldownBlocking(index, { uid: 'self', target: 'prod/deployment/app' }, 5 * 60_000, now),
    ).toEqual({ name: 'team-a/recent', remainingMs: 4 * 60_000 });
  });

  it('waits out the execution that finished last, not the first one listed that still cools down', () => {
    const now = new Date('2026-11-30T10:05:00Z');
    const index = indexOf([
      execution('earlier', 'Completed', { completionTime: '2026-11-30T10:01:00Z' }),
      execution('later', 'Failed', { completionTime: '2026-11-30T10:04:00Z' }),
    ]);
    expect(
      cooldownBlocking(index, { uid: 'self', target: 'prod/deployment/app' }, 5 * 60_000, now),
    ).toEqual({ name: 'team-a/later', remainingMs: 4 * 60_000 });
  });

  it('UT-WE-1520-001: counts an execution another writer marked Completed, though it names no resource', () => {
    const now = new Date('2026-11-30T10:05:00Z');
    const completed = execution('completed', 'Completed', {
      completionTime: '2026-11-30T10:04:00Z',
      ran: false,
    });
    expect(
      cooldownBlocking(
        indexOf([completed]),
        { uid: 'self', target: 'prod/deployment/app' },
        5 * 60_000,
        now,
      ),
    ).toEqual({ name: 'team-a/completed', remainingMs: 4 * 60_000 });
  });

  it('is never an execution refused before it created anything', () => {
    const now = new Date('2026-11-30T10:05:00Z');
    const refused = execution('refused', 'Failed', {
      completionTime: '2026-11-30T10:04:00Z',
      ran: false,
    });
    expect(
      cooldownBlocking(
        indexOf([refused]),
        { uid: 'self', target: 'prod/deployment/app' },
        5 * 60_000,
        now,
      ),
    ).toBeUndefined();
  });
});

describe('heldByOtherEngine', () => {
  const withEngine = (object: KubeObject, engine: string): KubeObject => ({
    ...object,
    spec: { ...(object.spec as object), executionEngine: engine },
  });
  const self = { uid: 'new', target: 'prod/deployment/app', engine: 'job' };

  it('names a running execution of another engine on the target: a PipelineRun and a Job do not collide by name', () => {
    const tekton = withEngine(execution('pipeline', 'Running'), 'tekton');
    expect(heldByOtherEngine(indexOf([tekton]), self)).toEqual({
      name: 'pipeline',
      namespace: 'team-a',
      resourceName: 'wfe-0123456789abcdef',
    });
  });

  it('leaves the same engine to the API server, and ignores finished and never-started executions', () => {
    const index = indexOf([
      withEngine(execution('same', 'Running'), 'job'),
      withEngine(execution('done', 'Completed'), 'tekton'),
      withEngine(execution('failed', 'Failed'), 'tekton'),
      withEngine(execution('refused', 'Pending', { ran: false }), 'tekton'),
      withEngine(execution('new', 'Running'), 'tekton'),
    ]);
    expect(heldByOtherEngine(index, self)).toBeUndefined();
  });
});
