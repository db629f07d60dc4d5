/**
 * Taking over from kubernaut: the ephemeral AWX credentials a kubernaut controller created for a
 * WorkflowExecution are deleted by the cleanup that takes the execution over. kubernaut records
 * their ids on the execution (the annotation `<prefix>awx-ephemeral-credentials`, ids joined by
 * ",", and later `status.ephemeralCredentialIDs`), but the list it records is the *merged* launch
 * list, the job template's own credentials included. So an id is deleted only when the
 * credential's name is one kubernaut gives its own per-execution credentials:
 * `<prefix>ephemeral-<secret>-<wfe name>` or `<prefix>k8s-<wfe name>`.
 *
 * The annotation is the author's to write, so it proves nothing: an author could list any ids.
 * The name is what must tie a credential to this execution, so `<secret>` must be one of this
 * execution's own dependency Secrets (kubernaut made one credential per dependency), and a name
 * of the shape this engine gives its own credentials (`<prefix>ephemeral-<16 hex>-…`, another
 * execution's) is never kubernaut's.
 */
import {
  type Conventions,
  type Logger,
  requestedDependencies,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { CredentialStore } from './awx-roles.js';

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
 * Deletes the credentials kubernaut made for `wfe`, never another: each recorded id is read
 * first and deleted only when its name is one of kubernaut's per-execution names. A failure does
 * not stop the others; every failure is returned.
 */
export async function deleteKubernautCredentials(
  awx: CredentialStore,
  wfe: WorkflowExecution,
  settings: { readonly conventions: Conventions; readonly namePrefix: string },
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const ids = kubernautCredentialIds(wfe, settings.conventions);
  if (ids.length === 0) return [];
  const failures: unknown[] = [];
  let found: Awaited<ReturnType<CredentialStore['listCredentials']>>;
  try {
    found = await awx.listCredentials({ ids }, { signal });
  } catch (error) {
    return [error];
  }
  const secretNames = (requestedDependencies(wfe).dependencies?.secrets ?? []).map(
    (secret) => secret.name,
  );
  const owned = found.filter(
    (c) =>
      ids.includes(c.id) &&
      isKubernautEphemeral(c.name, settings.namePrefix, wfe.metadata.name, secretNames),
  );
  for (const credential of owned) {
    try {
      if (await awx.deleteCredential(credential.id, { signal })) {
        log.info(
          { wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`, credential: credential.id },
          "deleted kubernaut's ephemeral AWX credential",
        );
      }
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}
