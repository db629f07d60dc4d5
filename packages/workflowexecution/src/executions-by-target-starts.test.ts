import { describe, expect, it } from 'vitest';
import { ExecutionsByTarget } from './executions-by-target.js';
import { execution, following, gate, target } from './executions-by-target.test-support.js';

describe('ExecutionsByTarget, starts on one target in this process', () => {
  const never = new AbortController().signal;
  const starting = (name: string, spelling: string) => ({
    namespace: 'team-a',
    name,
    uid: name,
    target: spelling,
    engine: 'job',
  });

  it('names an execution whose create returned before its status says so, until it does', () => {
    const targets = following([
      execution('first', 'Pending', { engine: 'job', target: 'prod/Deployment/app', ran: false }),
    ]);
    const second = starting('second', 'prod/deploy/app');
    targets.claim(starting('first', 'prod/Deployment/app'), 'wfe-aaaaaaaaaaaaaaaa');
    expect(targets.heldByAnother(second)).toEqual({
      name: 'first',
      namespace: 'team-a',
      resourceName: 'wfe-aaaaaaaaaaaaaaaa',
    });
    targets.upsert(
      execution('first', 'Completed', { engine: 'job', target: 'prod/Deployment/app' }),
    );
    expect(targets.heldByAnother(second)).toBeUndefined();
  });

  it('lists for an engine read the waiting executions on the target that no claim, no status and no lock of its own spelling and engine account for', () => {
    const targets = following([
      execution('other-spelling', 'Pending', {
        engine: 'task',
        target: 'prod/Deployment/app',
        ran: false,
      }),
      execution('same-spelling', 'Pending', {
        engine: 'task',
        target: 'prod/deploy/app',
        ran: false,
      }),
      execution('watched', 'Pending', { engine: 'job', target: 'prod/Deployment/app', ran: false }),
      execution('claimed', undefined, { engine: 'task', target: 'prod/Deployment/app' }),
      execution('running', 'Running', { engine: 'task', target: 'prod/Deployment/app' }),
      execution('self', 'Pending', { engine: 'task', target: 'prod/deploy/app', ran: false }),
    ]);
    targets.claim(starting('claimed', 'prod/Deployment/app'), 'task-c');
    const unwatched = (engine: string) => engine === 'task';
    const self = { ...starting('self', 'prod/deploy/app'), engine: 'task' };
    expect(targets.waitingUnseen(self, unwatched)).toEqual(['team-a/other-spelling']);
    expect(targets.waitingUnseen({ ...self, target: 'prod/deployment/other' }, unwatched)).toEqual(
      [],
    );
  });

  it('names a waiting execution whose resource the watched resources show, though no claim of this process says so (one made before a restart)', () => {
    const targets = following([
      execution('first', 'Pending', { engine: 'job', target: 'prod/Deployment/app', ran: false }),
      execution('second', 'Pending', { engine: 'job', target: 'prod/deploy/app', ran: false }),
    ]);
    const second = starting('second', 'prod/deploy/app');
    const asked: string[] = [];
    const created = (key: string, uid: string) => {
      asked.push(`${key} ${uid}`);
      return key === 'team-a/first' ? 'wfe-aaaaaaaaaaaaaaaa' : undefined;
    };
    expect(targets.heldByAnother(second)).toBeUndefined();
    expect(targets.heldByAnother(second, created)).toEqual({
      name: 'first',
      namespace: 'team-a',
      resourceName: 'wfe-aaaaaaaaaaaaaaaa',
    });
    // Its own resource holds nothing against it, nor does one of its own spelling and engine,
    // whose lock name the engine checks itself.
    expect(asked).toEqual(['team-a/first first']);
    expect(
      targets.heldByAnother(starting('first', 'prod/Deployment/app'), () => 'wfe-bbbbbbbbbbbbbbbb'),
    ).toMatchObject({ name: 'second' });
    expect(
      targets.heldByAnother(starting('third', 'prod/deploy/app'), (key) =>
        key === 'team-a/second' ? 'wfe-bbbbbbbbbbbbbbbb' : undefined,
      ),
    ).toBeUndefined();
  });

  it('forgets a claim when the execution goes, and ignores one for an execution already gone', () => {
    const first = execution('first', 'Pending', { engine: 'job', ran: false });
    const second = starting('second', 'prod/deploy/app');
    const targets = following([first]);
    targets.claim(starting('first', target), 'wfe-aaaaaaaaaaaaaaaa');
    expect(targets.heldByAnother(second)).toMatchObject({ name: 'first' });
    targets.remove(first);
    targets.upsert(first);
    expect(targets.heldByAnother(second)).toBeUndefined();
    targets.remove(first);
    targets.claim(starting('first', target), 'wfe-aaaaaaaaaaaaaaaa');
    targets.upsert(first);
    expect(targets.heldByAnother(second)).toBeUndefined();
  });

  it('runs a second start on another spelling only after the first has created and claimed', async () => {
    const targets = following([
      execution('first', 'Pending', { engine: 'job', target: 'prod/Deployment/app', ran: false }),
      execution('second', 'Pending', { engine: 'job', target: 'prod/deploy/app', ran: false }),
    ]);
    const created = gate();
    const order: string[] = [];
    const first = targets.exclusiveStart('prod/Deployment/app', never, async () => {
      order.push('first checks');
      await created.opened;
      targets.claim(starting('first', 'prod/Deployment/app'), 'wfe-aaaaaaaaaaaaaaaa');
    });
    const second = targets.exclusiveStart('prod/deploy/app', never, async () => {
      order.push('second checks');
      return targets.heldByAnother(starting('second', 'prod/deploy/app'));
    });
    const elsewhere = targets.exclusiveStart('prod/deploy/other', never, async () => {
      order.push('elsewhere checks');
    });
    await elsewhere;
    expect(order).toEqual(['first checks', 'elsewhere checks']);
    created.open();
    await first;
    expect(await second).toMatchObject({ name: 'first' });
  });

  it('gives up waiting when the signal is aborted, and a failed start lets the next one run', async () => {
    const targets = new ExecutionsByTarget();
    const failed = targets.exclusiveStart(target, never, async () => {
      throw new Error('create failed');
    });
    await expect(failed).rejects.toThrow('create failed');
    const release = gate();
    const held = targets.exclusiveStart(target, never, () => release.opened);
    const aborted = new AbortController();
    const waiting = targets.exclusiveStart(target, aborted.signal, async () => 'ran');
    aborted.abort(new Error('lost the lease'));
    await expect(waiting).rejects.toThrow('lost the lease');
    let nextRan = false;
    const next = targets.exclusiveStart(target, never, async () => {
      nextRan = true;
      return 'ran';
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(nextRan).toBe(false);
    release.open();
    await held;
    expect(await next).toBe('ran');
  });
});
