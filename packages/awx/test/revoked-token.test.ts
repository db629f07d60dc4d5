/**
 * AWX stops taking the engine's token while an execution runs: revoked, expired, or its user
 * deleted (the token goes with it). AWX's OAuth2 authentication then leaves every request
 * anonymous, answered 401 before any view. The engine reads that by its status as a refusal no
 * repeat changes: each call sends its request once (once more with a renewed token, when one
 * is offered), and no message or log line quotes the token.
 */
import { AwxApiError, CleanupIncompleteError } from '@roundhouse/awx';
import type { WorkflowExecution } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';
import {
  credentialsOf,
  jobsOf,
  lockOf,
  makeExecution,
  ownSecret,
  seedTemplate,
  useTestbed,
  withRef,
} from './testbed.js';

const refused = { statusCode: 401, reason: 'AWXUnauthorized', retryable: false };

describeWithControlPlane('a token AWX no longer holds', () => {
  const { env, bed } = useTestbed();

  it('fails status reads and cleanup as 401, sending each request once, quoting no token', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
    const created = makeExecution(template.name);
    const executor = bed.executor();
    const dependencies = await ownSecret(bed.kube, env.namespace, created);
    const { resourceName } = await executor.create(created, env.namespace, { dependencies });
    const wfe: WorkflowExecution = withRef(created, resourceName);
    expect(jobsOf(bed.sim, wfe)).toHaveLength(1);

    bed.sim.revokeToken();
    /** The requests `call` sent: each refused, none sent twice. */
    const sentBy = async (call: () => Promise<unknown>) => {
      const before = bed.sim.requests.length;
      const outcome = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      const sent = bed.sim.requests.slice(before);
      expect(sent.every((r) => r.status === 401)).toBe(true);
      const calls = sent.map((r) => `${r.method} ${r.path}`);
      expect(new Set(calls).size).toBe(calls.length);
      return { outcome, calls };
    };
    const { outcome: status, calls: read } = await sentBy(() =>
      executor.getStatus(wfe, env.namespace),
    );
    expect(status).toBeInstanceOf(AwxApiError);
    expect(status).toMatchObject(refused);
    const { outcome: cleanup, calls: cleaned } = await sentBy(() =>
      executor.cleanup(wfe, env.namespace),
    );
    expect(cleanup).toBeInstanceOf(CleanupIncompleteError);
    expect(cleanup).toMatchObject({ retryable: false });
    const failures = (cleanup as CleanupIncompleteError).failures;
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure).toMatchObject(refused);

    for (const text of [(status as Error).message, (cleanup as Error).message, ...bed.log.lines]) {
      expect(text).not.toContain(bed.sim.token);
    }
    // One job read each: a read AWX refused is not retried, and cleanup stops before the
    // credentials, which a job it could not see might still run with, and keeps the lock.
    expect(read).toEqual([`GET ${bed.sim.apiPrefix}jobs/${jobsOf(bed.sim, wfe)[0]?.id}/`]);
    expect(cleaned).toEqual(read);
    expect(credentialsOf(bed.sim, wfe)).toHaveLength(1);
    expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();
  });
});

describeWithControlPlane('a token AWX stops taking while the output is followed', () => {
  const { env, bed } = useTestbed();

  it('ends the read at the first refusal, with no poll after it', async () => {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
    const created = makeExecution(template.name);
    const executor = bed.executor();
    const dependencies = await ownSecret(bed.kube, env.namespace, created);
    const { resourceName } = await executor.create(created, env.namespace, { dependencies });
    const wfe = withRef(created, resourceName);
    const lines = executor.logs(wfe, env.namespace, { follow: true });
    expect((await lines.next()).done).toBe(false);

    bed.sim.revokeToken();
    const sent = bed.sim.requests.length;
    const ended = await (async () => {
      for await (const _ of lines) {
        // Lines printed before the refusal may still come.
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ended).toBeInstanceOf(AwxApiError);
    expect(ended).toMatchObject(refused);
    const after = bed.sim.requests.slice(sent);
    expect(after.map((r) => r.status)).toEqual([401]);
    for (const text of [(ended as Error).message, ...bed.log.lines]) {
      expect(text).not.toContain(bed.sim.token);
    }
  });
});
