/**
 * What sets Machine and Vault credentials apart at launch (awx/main/models/credential.py): a
 * password saved as `ASK` must be given with the launch (Credential.passwords_needed), and a
 * Vault credential with a `vault_id` is told apart from others of its type by that id
 * (Credential.unique_hash), so a job may carry several Vault credentials but one per id.
 */
import type { CredentialType } from './credential-types.js';
import type { Credential } from './credentials.js';
import { hasEncryptedKey } from './pem.js';
import { isJsonObject, pythonTypeName } from './python-json.js';
import { PythonTypeError, pythonContains } from './python-operators.js';

/** The value that makes an `ask_at_runtime` input a password the launch must give. */
export const ASK = 'ASK';

/**
 * Credential.passwords_needed, in AWX's order. `ssh_key_unlock` is needed for an encrypted
 * private key whose passphrase is saved as `ASK` or empty (needs_ssh_key_unlock).
 */
export function passwordsNeeded(credential: Credential, type: CredentialType): string[] {
  const { inputs } = credential;
  const needed: string[] = [];
  if (type.kind === 'ssh' && inputs.password === ASK) needed.push('ssh_password');
  if (type.kind === 'ssh' && inputs.become_password === ASK) needed.push('become_password');
  const unlockAsked = inputs.ssh_key_unlock === ASK || inputs.ssh_key_unlock === '';
  if (type.kind === 'ssh' && unlockAsked && hasEncryptedKey(inputs.ssh_key_data)) {
    needed.push('ssh_key_unlock');
  }
  if (type.kind === 'vault' && inputs.vault_password === ASK) {
    needed.push(
      hasInput(credential, 'vault_id') ? `vault_password.${inputs.vault_id}` : 'vault_password',
    );
  }
  return needed;
}

/** Credential.has_input: present and neither empty nor null. */
function hasInput(credential: Credential, field: string): boolean {
  const value = credential.inputs[field];
  return value !== undefined && value !== '' && value !== null;
}

/** Credential.unique_hash: a job keeps one credential per hash; `display` words it for messages. */
export function uniqueHash(credential: Credential, type: CredentialType, display = false): string {
  const alias = display ? type.name : String(type.id);
  if (type.kind === 'vault' && hasInput(credential, 'vault_id')) {
    const id = String(credential.inputs.vault_id);
    return display ? `${alias} (id=${id})` : `${alias}_${id}`;
  }
  return alias;
}

/**
 * JobLaunchSerializer.validate: each password the launch's credentials need must be a key of
 * the launch's `credential_passwords` (or of the body itself, where older clients put them:
 * JobTemplateLaunch.modernize_launch_payload), else it is named in `lacking`. Python's `in` and
 * `[]` decide, so a list or text that holds a needed name fails as AWX's TypeError does.
 */
export function collectPasswords(
  launchCredentials: readonly { credential: Credential; type: CredentialType }[],
  passwords: unknown,
): { readonly lacking: string[]; readonly given: Record<string, unknown> } {
  const lacking: string[] = [];
  const given: Record<string, unknown> = {};
  for (const { credential, type } of launchCredentials) {
    for (const name of passwordsNeeded(credential, type)) {
      if (!pythonContains(passwords, name)) lacking.push(name);
      else if (isJsonObject(passwords)) given[name] = passwords[name];
      else throw new PythonTypeError(`${pythonTypeName(passwords)} indices must be integers`);
    }
  }
  return { lacking, given };
}

/**
 * UnifiedJob.signal_start: a job whose needed passwords are not all truthy does not start; the
 * launch answers 400 naming every password the job needs.
 */
export function checkStart(
  jobCredentials: readonly { credential: Credential; type: CredentialType }[],
  given: Readonly<Record<string, unknown>>,
): { readonly ok: true } | { readonly ok: false; readonly needed: string[] } {
  const needed = jobCredentials.flatMap(({ credential, type }) =>
    passwordsNeeded(credential, type),
  );
  return needed.every((name) => pythonTruthy(given[name])) ? { ok: true } : { ok: false, needed };
}

function pythonTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}
