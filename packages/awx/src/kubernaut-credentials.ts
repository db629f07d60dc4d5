/**
 * Taking over from kubernaut: the ephemeral AWX credentials a kubernaut controller created for a
 * WorkflowExecution are deleted by the cleanup that takes the execution over. kubernaut records
 * their ids on the execution (the annotation `<prefix>awx-ephemeral-credentials`, ids joined by
 * ",", and later `status.ephemeralCredentialIDs`), but the list it records is the *merged* launch
 * list, the job template's own credentials included. So an id is deleted only when the
 * credential's name is one kubernaut gives its own per-execution credentials:
 * `<prefix>ephemeral-<secret>-<wfe name>` or `<prefix>k8s-<wfe name>`.
 *
 * The annotation is the author's to write, so it proves nothing: an author could list any ids,
 * and a name says nothing of the namespace (an execution of the same name in another namespace
 * has credentials of the same names). So ids are honoured only when the execution's status (the
 * controller's to write) names the AWX job kubernaut launched for it, that job carries this
 * execution's name and namespace (kubernaut's WFE_NAME and WFE_NAMESPACE), and the credential
 * is one the job was launched with. AWX's credential itself records nothing of the namespace or
 * the job. Then the name must be kubernaut's: `<secret>` one of this execution's own dependency
 * Secrets (kubernaut made one credential per dependency), and never of the shape this engine
 * gives its own (`<prefix>ephemeral-<16 hex>-…`, another execution's).
 */
import {
  type Conventions,
  type Logger,
  requestedDependencies,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { CredentialStore, JobReader } from './awx-roles.js';
import { executionIdentity, isJobOf } from './execution-identity.js';
import { jobIdOfRef } from './execution-jobs.js';

/** The annotation kubernaut writes the launch's credential ids to. */
export function kubernautCredentialsKey(conventions: Conventions): string {
  return `${conventions.labelPrefix}awx-ephemeral-credentials`;
}

const positiveInteger = /^[1-9][0-9]*$/;

function toId(value: unknown): number | undefined {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return positiveInteger.test(text) && Number.isSafeInteger(Number(text))
    ? Number(text)
    : undefined;
}

/**
 * The credential ids kubernaut recorded on `wfe`; parts that are not ids are skipped, as
 * kubernaut skips them. (`status.ephemeralCredentialIDs` is only seen when the caller passes the
 * object as read: a parsed WorkflowExecution keeps only the status fields core knows.)
 */
export function kubernautCredentialIds(wfe: WorkflowExecution, conventions: Conventions): number[] {
  const annotation = wfe.metadata.annotations?.[kubernautCredentialsKey(conventions)] ?? '';
  const status = (wfe.status as { ephemeralCredentialIDs?: unknown } | undefined)
    ?.ephemeralCredentialIDs;
  const values = [...annotation.split(','), ...(Array.isArray(status) ? status : [])];
  return [...new Set(values.map(toId).filter((id) => id !== undefined))];
}

const ownCredentialKey = /^[0-9a-f]{16}-/;

/**
 * Whether `name` is one kubernaut gives a credential it made for the execution `wfeName`, whose
 * dependency Secrets are `secretNames`.
 */
export function isKubernautEphemeral(
  name: string,
  namePrefix: string,
  wfeName: string,
  secretNames: readonly string[],
): boolean {
  if (name === `${namePrefix}k8s-${wfeName}`) return true;
  const ephemeral = `${namePrefix}ephemeral-`;
  if (!name.startsWith(ephemeral) || ownCredentialKey.test(name.slice(ephemeral.length)))
    return false;
  return secretNames.some((secret) => name === `${ephemeral}${secret}-${wfeName}`);
}

/**
 * Deletes the credentials kubernaut made for `wfe`, never another: each recorded id is deleted
 * only when it is among the credentials of the job kubernaut launched for this execution, and
 * its name is one of kubernaut's per-execution names. Ids without such a job are skipped, and
 * logged. A failure does not stop the others; every failure is returned.
 */
export async function deleteKubernautCredentials(
  awx: CredentialStore & Pick<JobReader, 'getJob'>,
  wfe: WorkflowExecution,
  settings: { readonly conventions: Conventions; readonly namePrefix: string },
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const ids = kubernautCredentialIds(wfe, settings.conventions);
  if (ids.length === 0) return [];
  const execution = `${wfe.metadata.namespace}/${wfe.metadata.name}`;
  const ref = wfe.status?.executionRef?.name;
  const jobId = ref === undefined ? undefined : jobIdOfRef(ref);
  let job: Awaited<ReturnType<JobReader['getJob']>> = null;
  if (jobId !== undefined) {
    try {
      job = await awx.getJob(jobId, { signal });
    } catch (error) {
      return [error];
    }
  }
  const identity = executionIdentity(wfe);
  if (!job || !isJobOf(job.extra_vars, identity, settings.conventions)) {
    log.warn(
      { wfe: execution, credentials: ids, executionRef: ref },
      'kept the AWX credentials recorded on the execution: its status names no AWX job of it, so nothing shows kubernaut made them for it',
    );
    return [];
  }
  const secretNames = (requestedDependencies(wfe).dependencies?.secrets ?? []).map(
    (secret) => secret.name,
  );
  const owned = (job.summary_fields?.credentials ?? []).filter(
    (c) =>
      ids.includes(c.id) &&
      isKubernautEphemeral(c.name, settings.namePrefix, wfe.metadata.name, secretNames),
  );
  const failures: unknown[] = [];
  for (const credential of owned) {
    try {
      if (await awx.deleteCredential(credential.id, { signal })) {
        log.info(
          { wfe: execution, credential: credential.id, job: job.id },
          "deleted kubernaut's ephemeral AWX credential",
        );
      }
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}
