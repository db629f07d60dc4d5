/**
 * Every way AWX, or what stands in front of it, refuses `POST job_templates/{id}/launch/`, as the
 * engine meets it after it made the execution's credentials: each refusal is classified by its
 * status, names no token and no Secret value in its message or the log, and leaves no
 * credential, no job and no lock.
 */
import { AwxApiError } from '@roundhouse/awx';
import { ConfigurationError } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it } from 'vitest';
import {
  createSecret,
  credentialsOf,
  jobsOf,
  lockOf,
  makeExecution,
  seedTemplate,
  useTestbed,
} from './testbed.js';

const secretValue = 'launch-refusal-secret-value';

describeWithControlPlane('a launch AWX refuses', () => {
  const { env, bed } = useTestbed();
  afterEach(() => bed.sim.faults.clear());

  /** Creates an execution with a Secret of its own; returns what the create failed with. */
  async function refusedCreate(templateName: string): Promise<unknown> {
    const wfe = makeExecution(templateName);
    const secret = `refusal-${wfe.metadata.uid}`.slice(0, 60);
    await createSecret(bed.kube, env.namespace, secret, { password: secretValue });
    const error = await bed
      .executor()
      .create(wfe, env.namespace, { dependencies: { secrets: [{ name: secret }] } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).not.toContain(bed.sim.token);
    expect(message).not.toContain(secretValue);
    for (const line of bed.log.lines) {
      expect(line).not.toContain(bed.sim.token);
      expect(line).not.toContain(secretValue);
    }
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    // A credential was made and then deleted: the refusal came after it, and undid it.
    expect(bed.sim.state.deletedCredentials().length).toBeGreaterThan(0);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
    return error;
  }

  it("is a ConfigurationError for AWX's 400, in its words (JobLaunchSerializer.validate: a failed project update)", async () => {
    const template = seedTemplate(bed.sim, { projectUpdateFailed: true });
    const error = await refusedCreate(template.name);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      'playbook: Missing a revision to run due to failed project update.',
    );
  });

  it('refuses a template whose project was deleted before making a credential: AWX refuses every launch of it', async () => {
    const template = seedTemplate(bed.sim, { project: null });
    const wfe = makeExecution(template.name);
    await createSecret(bed.kube, env.namespace, 'projectless', { password: secretValue });
    const deletedBefore = bed.sim.state.deletedCredentials().length;
    const error = await bed
      .executor()
      .create(wfe, env.namespace, { dependencies: { secrets: [{ name: 'projectless' }] } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(/has no project, which AWX refuses a launch without/),
      },
    ]);
    expect(bed.sim.state.deletedCredentials()).toHaveLength(deletedBefore);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
  });

  it('refuses a template whose inventory was deleted before making a credential, and holds no lock', async () => {
    // Deleting an inventory sets its templates' inventory to null (models/jobs.py SET_NULL);
    // `GET launch/` then says inventory_needed_to_start and AWX refuses every launch that gives
    // none (resources_needed_to_start), which an execution never gives.
    const template = seedTemplate(bed.sim, { inventory: null });
    const wfe = makeExecution(template.name);
    await createSecret(bed.kube, env.namespace, 'inventoryless', { password: secretValue });
    const deletedBefore = bed.sim.state.deletedCredentials().length;
    const error = await bed
      .executor()
      .create(wfe, env.namespace, { dependencies: { secrets: [{ name: 'inventoryless' }] } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(/has no inventory, which AWX refuses a launch without/),
      },
    ]);
    expect(bed.sim.state.deletedCredentials()).toHaveLength(deletedBefore);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(jobsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it.each([
    [401, 'AWXUnauthorized'],
    [403, 'AWXForbidden'],
    [404, 'AWXNotFound'],
    [405, 'AWXMethodNotAllowed'],
    [409, 'AWXConflict'],
    [429, 'AWXTooManyRequests'],
  ])('classifies a %i by its status as %s, with no credential left', async (status, reason) => {
    const template = seedTemplate(bed.sim);
    bed.sim.faults.failNext(100, status, {
      method: 'POST',
      pathPrefix: `${bed.sim.apiPrefix}job_templates/${template.id}/launch/`,
      retryAfterSeconds: 0,
      body: { detail: `refused ${status}` },
    });
    const error = await refusedCreate(template.name);
    expect(error).toBeInstanceOf(AwxApiError);
    expect(error).toMatchObject({ statusCode: status, reason });
  });
});
