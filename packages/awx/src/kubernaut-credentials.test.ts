import { kubernautConventions, noopLogger, type WorkflowExecution } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError } from './awx-errors.js';
import type { CredentialFilter } from './awx-roles.js';
import {
  deleteKubernautCredentials,
  isKubernautEphemeral,
  kubernautCredentialIds,
} from './kubernaut-credentials.js';
import type { Credential, Job } from './schemas.js';

function execution(annotation?: string, status?: unknown): WorkflowExecution {
  return {
    metadata: {
      name: 'restart-api',
      namespace: 'team-a',
      ...(annotation === undefined
        ? {}
        : { annotations: { 'kubernaut.ai/awx-ephemeral-credentials': annotation } }),
    },
    spec: {
      workflowRef: { workflowId: 'r', version: '1', executionBundle: 'quay.io/a/b:1' },
      targetResource: 'team-a/deployment/api',
      executionEngine: 'ansible',
      dependencies: { secrets: [{ name: 'db' }, { name: 'api' }] },
    },
    ...(status === undefined ? {} : { status: status as WorkflowExecution['status'] }),
  };
}

const settings = { conventions: kubernautConventions, namePrefix: 'kubernaut-' };

describe("kubernaut's ephemeral credentials", () => {
  it('are read from the annotation and the status field, skipping what is not an id', () => {
    expect(kubernautCredentialIds(execution(), kubernautConventions)).toEqual([]);
    expect(kubernautCredentialIds(execution('12, 7,x,,-3,7'), kubernautConventions)).toEqual([
      12, 7,
    ]);
    expect(
      kubernautCredentialIds(
        execution('12', { ephemeralCredentialIDs: [12, '15', 'no'] }),
        kubernautConventions,
      ),
    ).toEqual([12, 15]);
  });

  it('are told from the template’s own by their names', () => {
    const named = (name: string) =>
      isKubernautEphemeral(name, 'kubernaut-', 'restart-api', ['db-creds']);
    expect(named('kubernaut-ephemeral-db-creds-restart-api')).toBe(true);
    expect(named('kubernaut-k8s-restart-api')).toBe(true);
    expect(named('kubernaut-ephemeral-restart-api')).toBe(false);
    expect(named('kubernaut-ephemeral-db-other-wfe')).toBe(false);
    expect(named('prod-ssh-key')).toBe(false);
  });

  it('are only those of the execution’s own dependency Secrets, never this engine’s', () => {
    // An author writes the annotation: ids alone must not reach another execution's credential.
    const named = (name: string, secrets: string[]) =>
      isKubernautEphemeral(name, 'roundhouse-', 'db', secrets);
    expect(named('roundhouse-ephemeral-prod-db', [])).toBe(false);
    expect(named('roundhouse-ephemeral-prod-db', ['other'])).toBe(false);
    expect(named('roundhouse-ephemeral-prod-db', ['prod'])).toBe(true);
    // This engine names its own `<prefix>ephemeral-<16 hex key>-<secret>`.
    expect(named('roundhouse-ephemeral-405e115fb7150f6d-prod-db', ['405e115fb7150f6d-prod'])).toBe(
      false,
    );
  });

  const credentials: Credential[] = [
    { id: 3, name: 'prod-ssh-key', organization: 1, credential_type: 1 },
    { id: 12, name: 'kubernaut-ephemeral-db-restart-api', organization: 1, credential_type: 9 },
    { id: 15, name: 'kubernaut-k8s-restart-api', organization: 1, credential_type: 10 },
    { id: 16, name: 'kubernaut-ephemeral-api-restart-api', organization: 1, credential_type: 11 },
  ];

  const kubernautJob = (namespace: string, credentials: Credential[]): Job => ({
    id: 40,
    status: 'running',
    job_template: 3,
    created: '2026-01-01T00:00:00.000001Z',
    extra_vars: JSON.stringify({ WFE_NAME: 'restart-api', WFE_NAMESPACE: namespace }),
    job_explanation: '',
    timeout: 0,
    elapsed: 0,
    summary_fields: { credentials: credentials.map(({ id, name }) => ({ id, name })) },
  });

  function awxWith(job: Job | null) {
    const deleted: number[] = [];
    const awx = {
      getJob: async (id: number) => (id === job?.id ? job : null),
      // What AWX has: the credentials themselves name neither a namespace nor a job.
      listCredentials: async (filter: CredentialFilter) =>
        credentials.filter((c) => filter.ids?.includes(c.id)),
      createCredential: async () => {
        throw new Error('not used');
      },
      deleteCredential: async (id: number) => {
        if (id === 15)
          throw new AwxApiError('DELETE credentials/15/', 503, undefined, [], undefined);
        deleted.push(id);
        return true;
      },
    };
    return { awx, deleted };
  }

  const launched = { executionRef: { name: 'awx-job-40' } };

  it('are deleted one by one, never the template’s, and every failure is reported', async () => {
    const { awx, deleted } = awxWith(kubernautJob('team-a', credentials));
    const failures = await deleteKubernautCredentials(
      awx,
      execution('3,12,15,16', launched),
      settings,
      noopLogger,
      undefined,
    );
    expect(deleted).toEqual([12, 16]);
    expect(failures).toHaveLength(1);
    expect(
      await deleteKubernautCredentials(awx, execution(), settings, noopLogger, undefined),
    ).toEqual([]);
  });

  it('are only those of the job kubernaut launched for this execution, in its namespace', async () => {
    // team-b's execution of the same name, in flight: its job and its credential.
    const theirs = awxWith(kubernautJob('team-b', credentials));
    const ids = '12,16';
    for (const status of [undefined, launched, { executionRef: { name: 'awx-job-41' } }]) {
      expect(
        await deleteKubernautCredentials(
          theirs.awx,
          execution(ids, status),
          settings,
          noopLogger,
          undefined,
        ),
      ).toEqual([]);
    }
    expect(theirs.deleted).toEqual([]);
    // An id the author added that the job was not launched with is kept.
    const own = awxWith(kubernautJob('team-a', credentials.slice(0, 2)));
    await deleteKubernautCredentials(
      own.awx,
      execution(ids, launched),
      settings,
      noopLogger,
      undefined,
    );
    expect(own.deleted).toEqual([12]);
  });
});
