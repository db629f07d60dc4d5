import { awxJobRef, CleanupIncompleteError, JobStoppingError } from '@roundhouse/awx';
import { kubernautConventions, type WorkflowExecution } from '@roundhouse/core';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import {
  addMachineCredential,
  cleanUp,
  createSecret,
  credentialsOf,
  lockOf,
  makeExecution,
  patience,
  seedTemplate,
  useTestbed,
  withRef,
} from './testbed.js';

describeWithControlPlane('AnsibleExecutor cleanup', () => {
  const { env, bed } = useTestbed();

  afterEach(() => bed.sim.faults.clear());

  /** A running execution with one credential per Secret name. */
  async function launched(names: string[]) {
    const template = seedTemplate(bed.sim, { schedule: { pendingMs: 20, runningMs: 60_000 } });
    const created = makeExecution(template.name);
    for (const name of names) {
      await createSecret(bed.kube, env.namespace, `${name}-${created.metadata.uid}`, { k: name });
    }
    const secrets = names.map((name) => ({ name: `${name}-${created.metadata.uid}` }));
    const executor = bed.executor();
    const { resourceName } = await executor.create(created, env.namespace, {
      dependencies: { secrets },
    });
    return { executor, wfe: withRef(created, resourceName), resourceName };
  }

  it('UT-WE-015-035: goes on past credential deletes that fail, cancelling the job and deleting the rest, then reports each failure and finishes later', async () => {
    const { executor, wfe, resourceName } = await launched(['a', 'b', 'c']);
    const id = Number(resourceName.slice('awx-job-'.length));
    const [first, , third] = credentialsOf(bed.sim, wfe);
    // More failures than the client retries: these two deletes fail for good this time.
    for (const credential of [first!, third!]) {
      bed.sim.faults.failNext(20, 503, {
        method: 'DELETE',
        pathPrefix: `/api/v2/credentials/${credential.id}/`,
      });
    }
    const error = await executor.cleanup(wfe, env.namespace).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CleanupIncompleteError);
    expect(error).toMatchObject({ reason: 'AWXCleanupIncomplete', retryable: true });
    expect((error as CleanupIncompleteError).failures).toHaveLength(2);
    expect(credentialsOf(bed.sim, wfe).map((c) => c.id)).toEqual([first!.id, third!.id]);
    // kubernaut's cleanup goes on to cancel the job as well, and so does this one; unlike
    // kubernaut's, it does not then succeed leaving the two credentials in AWX.
    await vi.waitFor(() => expect(bed.sim.state.job(id)?.status).toBe('canceled'), patience);
    // The lock stays, so the next cleanup still finds what is left.
    expect(await lockOf(bed.kube, env.namespace, wfe)).not.toBeNull();

    bed.sim.faults.clear();
    await cleanUp(executor, wfe, env.namespace);
    expect(credentialsOf(bed.sim, wfe)).toEqual([]);
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it('cancels a running job before it deletes the job’s credentials', async () => {
    const { executor, wfe, resourceName } = await launched(['a']);
    const id = Number(resourceName.slice('awx-job-'.length));
    await vi.waitFor(() => expect(bed.sim.state.job(id)?.status).toBe('running'), patience);
    const before = bed.sim.requests.length;
    // The job is still stopping: the credentials go, the lock stays until it has ended.
    await expect(executor.cleanup(wfe, env.namespace)).rejects.toBeInstanceOf(JobStoppingError);
    const calls = bed.sim.requests.slice(before).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    const cancel = calls.indexOf(`POST /api/v2/jobs/${id}/cancel/`);
    const deletion = calls.findIndex((c) => c.startsWith('DELETE /api/v2/credentials/'));
    expect(cancel).toBeGreaterThanOrEqual(0);
    expect(deletion).toBeGreaterThan(cancel);
    await cleanUp(executor, wfe, env.namespace);
    expect(bed.sim.state.job(id)?.status).toBe('canceled');
    expect(await lockOf(bed.kube, env.namespace, wfe)).toBeNull();
  });

  it("takes over kubernaut's ephemeral credentials, never the job template's own", async () => {
    const state = bed.sim.state;
    const own = addMachineCredential(bed.sim, 'prod-ssh');
    const secretType = state.addCredentialType({
      name: 'kubernaut-secret-db',
      kind: 'cloud',
      inputs: { fields: [{ id: 'password', label: 'password', secret: true }] },
      injectors: { env: { KUBERNAUT_SECRET_DB_PASSWORD: '{{password}}' } },
    });
    const template = seedTemplate(bed.sim, {
      credentials: [own.id],
      schedule: { pendingMs: 20, runningMs: 60_000 },
    });
    const kubernautCredential = (wfeName: string) =>
      state.addCredential({
        name: `kubernaut-ephemeral-db-${wfeName}`,
        credential_type: secretType.id,
        organization: 1,
        inputs: { password: 'pw' },
      });
    const mine = kubernautCredential('restart-api');
    const another = kubernautCredential('other-wfe');
    // kubernaut launched it with the merged list, and recorded that list on the execution.
    const { job } = await bed.awx.launch(template.id, {
      extraVars: { WFE_NAME: 'restart-api', WFE_NAMESPACE: 'team-a' },
      credentials: [own.id, mine.id],
    });
    const dependsOnDb = { dependencies: { secrets: [{ name: 'db' }] } };
    const base = makeExecution(template.name, { name: 'restart-api', spec: dependsOnDb });
    const wfe: WorkflowExecution = {
      ...withRef(base, awxJobRef(job)),
      metadata: {
        ...base.metadata,
        annotations: { 'kubernaut.ai/awx-ephemeral-credentials': `${own.id},${mine.id}` },
      },
    };
    await cleanUp(bed.executor({ conventions: kubernautConventions }), wfe, env.namespace);
    const live = state.liveCredentials().map((c) => c.id);
    expect(live).toContain(own.id);
    expect(live).toContain(another.id);
    expect(live).not.toContain(mine.id);

    // The annotation is the author's to write: an execution whose status names no job of it
    // (nor one launched with the credential) lists another's id in vain.
    const impostor = makeExecution(template.name, { name: 'other-wfe' });
    await bed.executor({ conventions: kubernautConventions }).cleanup(
      {
        ...impostor,
        metadata: {
          ...impostor.metadata,
          annotations: { 'kubernaut.ai/awx-ephemeral-credentials': `${another.id}` },
        },
      },
      env.namespace,
    );
    expect(state.liveCredentials().map((c) => c.id)).toContain(another.id);
    await vi.waitFor(() => expect(state.job(job)?.status).toBe('canceled'), patience);

    // A later kubernaut records the ids in the status instead (kubernaut UT-WE-015-034: they
    // are deleted and the job canceled; differs on purpose, docs/backends/awx.md: only those
    // named as kubernaut names its own for this execution, and the job is canceled first).
    const fromStatus = kubernautCredential('restart-api-2');
    const { job: laterJob } = await bed.awx.launch(template.id, {
      extraVars: { WFE_NAME: 'restart-api-2', WFE_NAMESPACE: 'team-a' },
      credentials: [own.id, fromStatus.id],
    });
    const laterBase = makeExecution(template.name, { name: 'restart-api-2', spec: dependsOnDb });
    const later = {
      ...laterBase,
      status: {
        executionRef: { name: awxJobRef(laterJob) },
        ephemeralCredentialIDs: [own.id, fromStatus.id],
      },
    } as unknown as WorkflowExecution;
    await cleanUp(bed.executor({ conventions: kubernautConventions }), later, env.namespace);
    expect(state.liveCredentials().map((c) => c.id)).not.toContain(fromStatus.id);
    expect(state.liveCredentials().map((c) => c.id)).toContain(own.id);
    expect(state.job(laterJob)?.status).toBe('canceled');
  });
});
