import { kubernautConventions, noopLogger, type WorkflowExecution } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxApiError } from './awx-errors.js';
import type { CredentialFilter, CredentialStore } from './awx-roles.js';
import {
  deleteKubernautCredentials,
  isKubernautEphemeral,
  kubernautCredentialIds,
} from './kubernaut-credentials.js';
import type { Credential } from './schemas.js';

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

  it('are deleted one by one, never the template’s, and every failure is reported', async () => {
    const credentials: Credential[] = [
      { id: 3, name: 'prod-ssh-key', organization: 1, credential_type: 1 },
      { id: 12, name: 'kubernaut-ephemeral-db-restart-api', organization: 1, credential_type: 9 },
      { id: 15, name: 'kubernaut-k8s-restart-api', organization: 1, credential_type: 10 },
      { id: 16, name: 'kubernaut-ephemeral-api-restart-api', organization: 1, credential_type: 11 },
    ];
    const deleted: number[] = [];
    const filters: CredentialFilter[] = [];
    const awx: CredentialStore = {
      listCredentials: async (filter) => {
        filters.push(filter);
        return credentials.filter((c) => filter.ids?.includes(c.id));
      },
      createCredential: async () => {
        throw new Error('not used');
      },
      deleteCredential: async (id) => {
        if (id === 15)
          throw new AwxApiError('DELETE credentials/15/', 503, undefined, [], undefined);
        deleted.push(id);
        return true;
      },
    };
    const failures = await deleteKubernautCredentials(
      awx,
      execution('3,12,15,16'),
      settings,
      noopLogger,
      undefined,
    );
    expect(filters).toEqual([{ ids: [3, 12, 15, 16] }]);
    expect(deleted).toEqual([12, 16]);
    expect(failures).toHaveLength(1);
    expect(
      await deleteKubernautCredentials(awx, execution(), settings, noopLogger, undefined),
    ).toEqual([]);
    expect(filters).toHaveLength(1);
  });
});
