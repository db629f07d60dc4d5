import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { execution, following, target } from './executions-by-target.test-support.js';

const now = new Date('2026-11-30T10:05:00Z');
const fiveMinutes = 5 * 60_000;

describe('ExecutionsByTarget.keysToWake', () => {
  it('wakes the executions waiting on a target when its holder releases the lock or goes', () => {
    const targets = following([execution('waiting', 'Pending'), execution('other', 'Running')]);
    const released = execution('holder', 'Completed', { released: true });
    targets.upsert(released);
    expect(targets.keysToWake(released)).toEqual(['team-a/holder', 'team-a/waiting']);
    const deleting = execution('holder', 'Running', { deletionTimestamp: '2026-11-30T10:00:00Z' });
    targets.upsert(deleting);
    expect(targets.keysToWake(deleting)).toEqual(['team-a/holder', 'team-a/waiting']);
  });

  it('wakes only the execution itself while its holder runs or cools down', () => {
    const targets = following([execution('waiting', 'Pending')]);
    for (const holder of [
      execution('holder', 'Running'),
      execution('holder', 'Completed', { completionTime: '2026-11-30T10:04:00Z' }),
    ]) {
      targets.upsert(holder);
      expect(targets.keysToWake(holder)).toEqual(['team-a/holder']);
    }
  });

  it('wakes no one on the failure of an execution that never acted on the target', () => {
    // Each of a burst of Deduplicated waiters used to wake all the others again.
    const waiters = Array.from({ length: 1_000 }, (_, i) => execution(`w-${i}`, undefined));
    const targets = following(waiters);
    const deduplicated = execution('w-0', 'Failed', { ran: false });
    targets.upsert(deduplicated);
    expect(targets.keysToWake(deduplicated)).toEqual(['team-a/w-0']);
    const gone = execution('w-1', 'Pending', {
      ran: false,
      deletionTimestamp: '2026-11-30T10:00:00Z',
    });
    expect(targets.keysToWake(gone)).toEqual(['team-a/w-1']);
  });

  it('wakes on a release only the executions still waiting among many on the target', () => {
    const finished = Array.from({ length: 5_000 }, (_, i) =>
      execution(`done-${i}`, 'Failed', { ran: false, completionTime: '2026-11-30T09:00:00Z' }),
    );
    const waiters = Array.from({ length: 3 }, (_, i) => execution(`w-${i}`, undefined));
    const targets = following([...finished, ...waiters]);
    targets.upsert(execution('w-1', 'Running'));
    targets.remove(execution('w-2', 'Pending'));
    const holder = execution('holder', 'Failed', { released: true });
    targets.upsert(holder);
    expect(targets.keysToWake(holder)).toEqual(['team-a/holder', 'team-a/w-0']);
  });
});

describe('ExecutionsByTarget.waitersOnResource', () => {
  const annotation = 'roundhouse.dev/target-resource';
  const resource = (deletionTimestamp?: string): KubeObject => ({
    metadata: {
      name: 'wfe-0123456789abcdef',
      annotations: { [annotation]: target },
      ...(deletionTimestamp ? { deletionTimestamp } : {}),
    },
  });

  it('wakes the executions waiting on its target once it is on its way out', () => {
    const targets = following([execution('holder', 'Completed'), execution('waiting', 'Pending')]);
    expect(targets.waitersOnResource(resource(), annotation)).toEqual([]);
    expect(targets.waitersOnResource(resource('2026-11-30T10:00:00Z'), annotation)).toEqual([
      'team-a/waiting',
    ]);
  });

  it('wakes them when it is deleted, though a delete without finalizers carries no timestamp', () => {
    const targets = following([execution('waiting', 'Pending')]);
    expect(targets.waitersOnResource(resource(), annotation, true)).toEqual(['team-a/waiting']);
  });

  it('wakes nothing for a resource without the target annotation', () => {
    const targets = following([execution('waiting', 'Pending')]);
    const bare = { metadata: { name: 'x', deletionTimestamp: '2026-11-30T10:00:00Z' } };
    expect(targets.waitersOnResource(bare, annotation)).toEqual([]);
  });
});

describe('ExecutionsByTarget.cooldownBlocking', () => {
  const self = { uid: 'self', target };

  it('finds the latest execution on the target still cooling down, never the execution itself', () => {
    const targets = following([
      execution('old', 'Completed', { completionTime: '2026-11-30T09:00:00Z' }),
      execution('recent', 'Failed', { completionTime: '2026-11-30T10:04:00Z' }),
      execution('self', 'Completed', { completionTime: '2026-11-30T10:04:30Z' }),
    ]);
    expect(targets.cooldownBlocking(self, fiveMinutes, now)).toEqual({
      name: 'team-a/recent',
      remainingMs: 4 * 60_000,
    });
  });

  it('waits out the execution that finished last, not the first one listed that still cools down', () => {
    const targets = following([
      execution('earlier', 'Completed', { completionTime: '2026-11-30T10:01:00Z' }),
      execution('later', 'Failed', { completionTime: '2026-11-30T10:04:00Z' }),
    ]);
    expect(targets.cooldownBlocking(self, fiveMinutes, now)).toEqual({
      name: 'team-a/later',
      remainingMs: 4 * 60_000,
    });
  });

  it('UT-WE-1520-001: counts an execution another writer marked Completed, though it names no resource', () => {
    const completed = execution('completed', 'Completed', {
      completionTime: '2026-11-30T10:04:00Z',
      ran: false,
    });
    expect(following([completed]).cooldownBlocking(self, fiveMinutes, now)).toEqual({
      name: 'team-a/completed',
      remainingMs: 4 * 60_000,
    });
  });

  it('is never an execution refused before it created anything', () => {
    const refused = execution('refused', 'Failed', {
      completionTime: '2026-11-30T10:04:00Z',
      ran: false,
    });
    expect(following([refused]).cooldownBlocking(self, fiveMinutes, now)).toBeUndefined();
  });

  it('blocks every one of thousands of waiters on one target behind the one that ran, and none after', () => {
    const waiters = Array.from({ length: 10_000 }, (_, i) => execution(`w-${i}`, undefined));
    const refusals = Array.from({ length: 10_000 }, (_, i) =>
      execution(`r-${i}`, 'Failed', { ran: false, completionTime: '2026-11-30T10:04:59Z' }),
    );
    const targets = following([
      ...waiters,
      ...refusals,
      execution('ran', 'Completed', { completionTime: '2026-11-30T10:04:00Z' }),
    ]);
    const at = (time: string, name: string) =>
      targets.cooldownBlocking({ uid: name, target }, fiveMinutes, new Date(time));
    for (const waiter of ['w-0', 'w-5000', 'w-9999']) {
      expect(at('2026-11-30T10:05:00Z', waiter)).toEqual({
        name: 'team-a/ran',
        remainingMs: 4 * 60_000,
      });
      expect(at('2026-11-30T10:09:00Z', waiter)).toBeUndefined();
    }
  });

  it('follows the latest completion as executions finish and go', () => {
    const targets = following([
      execution('first', 'Completed', { completionTime: '2026-11-30T10:01:00Z' }),
      execution('second', 'Running'),
    ]);
    expect(targets.cooldownBlocking(self, fiveMinutes, now)?.name).toBe('team-a/first');
    targets.upsert(execution('second', 'Failed', { completionTime: '2026-11-30T10:03:00Z' }));
    expect(targets.cooldownBlocking(self, fiveMinutes, now)).toEqual({
      name: 'team-a/second',
      remainingMs: 3 * 60_000,
    });
    targets.remove(execution('second', 'Failed'));
    expect(targets.cooldownBlocking(self, fiveMinutes, now)).toEqual({
      name: 'team-a/first',
      remainingMs: 60_000,
    });
    targets.remove(execution('first', 'Completed'));
    expect(targets.cooldownBlocking(self, fiveMinutes, now)).toBeUndefined();
  });
});

describe('ExecutionsByTarget.heldByAnother', () => {
  const self = { uid: 'new', target, engine: 'job' };

  it('names a running execution of another engine on the target: a PipelineRun and a Job do not collide by name', () => {
    const targets = following([execution('pipeline', 'Running', { engine: 'tekton' })]);
    expect(targets.heldByAnother(self)).toEqual({
      name: 'pipeline',
      namespace: 'team-a',
      resourceName: 'wfe-0123456789abcdef',
    });
    targets.upsert(execution('pipeline', 'Completed', { engine: 'tekton' }));
    expect(targets.heldByAnother(self)).toBeUndefined();
  });

  it('leaves the same engine to the API server, and ignores finished and never-started executions', () => {
    const targets = following([
      execution('same', 'Running', { engine: 'job' }),
      execution('done', 'Completed', { engine: 'tekton' }),
      execution('failed', 'Failed', { engine: 'tekton' }),
      execution('refused', 'Pending', { ran: false, engine: 'tekton' }),
      execution('new', 'Running', { engine: 'tekton' }),
    ]);
    expect(targets.heldByAnother(self)).toBeUndefined();
  });

  it('names a running execution that spells the target differently: its lock is another name', () => {
    const targets = following([
      execution('capital', 'Running', { engine: 'job', target: 'prod/Deployment/app' }),
    ]);
    expect(targets.heldByAnother(self)).toEqual({
      name: 'capital',
      namespace: 'team-a',
      resourceName: 'wfe-0123456789abcdef',
    });
    expect(targets.heldByAnother({ ...self, target: 'prod/Deployment/app' })).toBeUndefined();
    expect(targets.heldByAnother({ ...self, target: 'prod/deployment/other' })).toBeUndefined();
  });
});

describe('ExecutionsByTarget.actedOn', () => {
  it('says a holder acted when its status records its resource or this process claimed one, and not when it is unknown or was refused', () => {
    const targets = following([
      execution('running', 'Running'),
      execution('refused', 'Failed', { ran: false }),
      execution('started', 'Pending', { ran: false }),
    ]);
    const on = (name: string) =>
      targets.actedOn('prod/deployments/app', { namespace: 'team-a', name });
    expect(on('running')).toBe(true);
    expect(on('refused')).toBe(false);
    expect(on('unknown')).toBe(false);
    expect(on('started')).toBe(false);
    targets.claim({ namespace: 'team-a', name: 'started', uid: 'started', target }, 'wfe-1');
    expect(on('started')).toBe(true);
  });
});

describe('ExecutionsByTarget, every spelling of one target together', () => {
  it('cools a target down after an execution that spelt it another way', () => {
    const targets = following([
      execution('plural', 'Completed', {
        target: 'prod/deployments/app',
        completionTime: '2026-11-30T10:03:00Z',
      }),
    ]);
    expect(targets.cooldownBlocking({ uid: 'new', target }, fiveMinutes, now)).toMatchObject({
      name: 'team-a/plural',
    });
  });

  it('wakes waiters of every spelling when the holder releases the target', () => {
    const targets = following([
      execution('waiting', 'Pending', { target: 'prod/deploy/app' }),
      execution('elsewhere', 'Pending', { target: 'prod/deploy/other' }),
    ]);
    const released = execution('holder', 'Completed', { released: true });
    targets.upsert(released);
    expect(targets.keysToWake(released)).toEqual(['team-a/holder', 'team-a/waiting']);
  });
});
