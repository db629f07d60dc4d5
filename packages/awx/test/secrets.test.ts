import { randomBytes } from 'node:crypto';
import type { LogLine } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';
import {
  cleanUp,
  createSecret,
  jobsOf,
  makeExecution,
  seedTemplate,
  settle,
  useTestbed,
  withRef,
} from './testbed.js';

/** What a scrubbed value shows as. */
const scrubbedMarker = '[secret withheld]';

describeWithControlPlane('Secret values and the AWX engine', () => {
  const { env, bed } = useTestbed();

  it('never show up in a log line, an error, a status, the logs or extra_vars', async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    await createSecret(bed.kube, env.namespace, 'canary', { password: canary, user: 'app' });
    const dependencies = { secrets: [{ name: 'canary' }] };
    // The playbook prints the value, and AWX's explanation quotes it.
    const failing = seedTemplate(bed.sim, {
      schedule: {
        pendingMs: 20,
        runningMs: 100,
        outcome: 'failed',
        stdout: ['TASK [login]', `fatal: [web-1]: FAILED! => {"msg": "denied: ${canary}"}`],
        jobExplanation: `boom: ${canary}`,
      },
    });
    const executor = bed.executor();
    const seen: unknown[] = [];

    const created = makeExecution(failing.name);
    const { resourceName } = await executor.create(created, env.namespace, { dependencies });
    // The value did reach AWX, as a credential input, so its absence below means something.
    expect(bed.sim.state.liveCredentials({ origin: 'api' })[0]?.inputs.password).toBe(canary);
    const wfe = withRef(created, resourceName);
    seen.push(await executor.getStatus(wfe, env.namespace));
    const settled = await settle(executor, wfe, env.namespace);
    expect(settled.message).toContain(`boom: ${scrubbedMarker}`);
    expect(settled.message).toContain(`denied: ${scrubbedMarker}`);
    seen.push(settled);
    for (const follow of [false, true]) {
      const lines: LogLine[] = [];
      for await (const line of executor.logs(wfe, env.namespace, { follow })) lines.push(line);
      expect(lines.at(-1)?.text).toContain(`denied: ${scrubbedMarker}`);
      seen.push(lines);
    }
    await cleanUp(executor, wfe, env.namespace);

    // AWX answers a refused credential with messages that may quote the input (twice: the
    // engine tries once more with a fresh credential type, in case the one it knew was deleted).
    bed.sim.faults.failNext(2, 400, {
      method: 'POST',
      pathPrefix: '/api/v2/credentials/',
      body: { detail: canary, inputs: { password: [`'${canary}' is not valid`] } },
    });
    const refused = makeExecution(failing.name);
    seen.push(
      await executor.create(refused, env.namespace, { dependencies }).catch((e: unknown) => e),
    );
    expect(seen.at(-1)).toMatchObject({ reason: 'AWXBadRequest' });

    for (const value of seen) {
      const text =
        value instanceof Error
          ? `${String(value)} ${JSON.stringify(value)} ${value.stack}`
          : JSON.stringify(value);
      expect(text).not.toContain(canary);
    }
    expect(bed.log.lines.length).toBeGreaterThan(0);
    expect(bed.log.lines.filter((line) => line.includes(canary))).toEqual([]);
    expect(jobsOf(bed.sim, created)[0]?.extraVars).not.toContain(canary);
    expect(bed.sim.state.liveCredentials({ origin: 'api' })).toEqual([]);
  });

  it("reach the job under their own variables when a key is one of Jinja's names", async () => {
    await createSecret(bed.kube, env.namespace, 'jinja-keys', {
      not: 'n',
      true: 't',
      self: 's',
      and: 'a',
    });
    const template = seedTemplate(bed.sim);
    const executor = bed.executor();
    const created = makeExecution(template.name);
    const { resourceName } = await executor.create(created, env.namespace, {
      dependencies: { secrets: [{ name: 'jinja-keys' }] },
    });
    const wfe = withRef(created, resourceName);
    expect(await settle(executor, wfe, env.namespace)).toMatchObject({ phase: 'Completed' });
    // AWX masks secrets in job_env; an injector reading a Jinja constant would show "True".
    expect(bed.sim.state.job(jobsOf(bed.sim, created)[0]!.id)?.jobEnv).toEqual({
      ROUNDHOUSE_SECRET_JINJA_KEYS_NOT: '**********',
      ROUNDHOUSE_SECRET_JINJA_KEYS_TRUE: '**********',
      ROUNDHOUSE_SECRET_JINJA_KEYS_SELF: '**********',
      ROUNDHOUSE_SECRET_JINJA_KEYS_AND: '**********',
    });
    await cleanUp(executor, wfe, env.namespace);
  });
});
