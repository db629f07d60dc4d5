import { ConfigurationError } from '@roundhouse/core';
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

describeWithControlPlane('the AWX engine with a token that is not a System Administrator', () => {
  const { env, bed } = useTestbed({ superuser: false });
  // A template's own role counts only where its organization passes none down (`member`); the
  // user stays an admin of Default, where the engine makes its credentials.
  const limited = (role: 'read' | 'none') =>
    seedTemplate(bed.sim, {
      organization: bed.sim.state.addOrganization(`members-${role}-${Math.random()}`, '', 'member')
        .id,
      role,
    });

  it('names Execute on a template the user may only read, before any Secret goes to AWX (user_capabilities.start, awx/main/access.py:428)', async () => {
    await createSecret(bed.kube, env.namespace, 'exec-token', { token: 'e-1' });
    const dependencies = { secrets: [{ name: 'exec-token' }] };
    // The Secret's credential type exists, as an administrator would have made it.
    const typeFirst = makeExecution(seedTemplate(bed.sim).name);
    const refusal = await bed
      .executor()
      .create(typeFirst, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ConfigurationError);
    const definition = (refusal as ConfigurationError).issues[0]?.message ?? '';
    bed.sim.state.addCredentialType(JSON.parse(definition.slice(definition.indexOf('{'))));
    await cleanUp(bed.executor(), typeFirst, env.namespace);
    const deletedBefore = bed.sim.state.deletedCredentials().length;

    const template = limited('read');
    const wfe = makeExecution(template.name);
    const error = await bed
      .executor()
      .create(wfe, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const [issue] = (error as ConfigurationError).issues;
    expect(issue?.path).toBe('awx.token');
    expect(issue?.message).toContain(
      `may not launch job template "${template.name}" (id ${template.id})`,
    );
    expect(issue?.message).toContain('grant it Execute on the template');
    expect((error as Error).message).not.toContain(bed.sim.token);
    expect((error as Error).message).not.toContain('e-1');
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    // No credential was made for the launch AWX refuses: none live, none made and deleted.
    expect(bed.sim.state.liveCredentials({ origin: 'api' })).toEqual([]);
    expect(bed.sim.state.deletedCredentials().length).toBe(deletedBefore);
    await cleanUp(bed.executor(), wfe, env.namespace);
  });

  it('says a template the user may not read is not visible to it', async () => {
    const template = limited('none');
    const error = await bed
      .executor()
      .create(makeExecution(template.name), env.namespace)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      `no AWX job template named "${template.name}" is visible to the AWX user`,
    );
  });

  it('names the credential type an administrator must create, and uses it once created', async () => {
    await createSecret(bed.kube, env.namespace, 'vault-token', { token: 'v-1' });
    const template = seedTemplate(bed.sim);
    const executor = bed.executor();
    const dependencies = { secrets: [{ name: 'vault-token' }] };

    const refused = makeExecution(template.name);
    const error = await executor
      .create(refused, env.namespace, { dependencies })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const [issue] = (error as ConfigurationError).issues;
    expect(issue?.path).toBe('awx.token');
    expect(issue?.message).toContain('credential type "roundhouse-secret-vault-token" (403)');
    expect(issue?.message).not.toContain('v-1');
    expect(jobsOf(bed.sim, refused)).toEqual([]);
    expect(bed.sim.state.liveCredentials({ origin: 'api' })).toEqual([]);

    // An administrator creates the type from the definition the message gives.
    const message = issue?.message ?? '';
    bed.sim.state.addCredentialType(JSON.parse(message.slice(message.indexOf('{'))));
    const created = makeExecution(template.name);
    const { resourceName } = await executor.create(created, env.namespace, { dependencies });
    const wfe = withRef(created, resourceName);
    expect(await settle(executor, wfe, env.namespace)).toMatchObject({ phase: 'Completed' });
    await cleanUp(executor, wfe, env.namespace);
    await cleanUp(executor, refused, env.namespace);
    expect(bed.sim.state.liveCredentials({ origin: 'api' })).toEqual([]);
  });
});

describeWithControlPlane('the AWX engine with a token of Read scope', () => {
  const { env, bed } = useTestbed({ tokenScope: 'read' });

  it("says a System Administrator's refused launch may be the token's scope, sending nothing", async () => {
    const template = seedTemplate(bed.sim);
    const wfe = makeExecution(template.name);
    const error = await bed
      .executor()
      .create(wfe, env.namespace)
      .catch((e: unknown) => e);
    // AWX answers user_capabilities.start false to a token of Read scope (access.py:444).
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toContain('if the token has Read scope');
    expect((error as Error).message).toContain('use a token of Write scope');
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    await cleanUp(bed.executor(), wfe, env.namespace);
  });
});
