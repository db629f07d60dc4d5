/**
 * The credentials a launch gives a job, as AWX checks them: one per unique hash (its type, and a
 * vault's id), only kinds a job can use, and no template credential dropped without a
 * replacement of its kind. Both a launch and attaching credentials to a template apply these.
 */
import { uniqueHash } from './credential-passwords.js';
import type { CredentialType } from './credential-types.js';
import type { Credential } from './credentials.js';
import type { JobTemplate } from './job-templates.js';
import { pythonSetDifference } from './python-set.js';

export interface LaunchCredential {
  readonly credential: Credential;
  readonly type: CredentialType;
}

const LAUNCHABLE_KINDS = new Set(['ssh', 'vault', 'cloud', 'net', 'kubernetes']);

/**
 * The launch's credential errors: two accepted of one kind or of a kind a job cannot use, and,
 * when the launch gave a list (`provided`), each template credential it drops without one of
 * its kind in its place.
 */
export function credentialErrors(
  template: JobTemplate,
  accepted: readonly LaunchCredential[],
  provided: readonly LaunchCredential[] | undefined,
  lookup: (id: number) => LaunchCredential | undefined,
): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const { credential, type } of accepted) {
    const hash = uniqueHash(credential, type);
    if (seen.has(hash)) {
      errors.push(`Cannot assign multiple ${uniqueHash(credential, type, true)} credentials.`);
    }
    if (!LAUNCHABLE_KINDS.has(type.kind))
      errors.push(`Cannot assign a Credential of kind \`${type.kind}\``);
    seen.add(hash);
  }
  if (provided) {
    const providedIds = new Set(provided.map(({ credential }) => credential.id));
    const providedHashes = new Set(
      provided.map(({ credential, type }) => uniqueHash(credential, type)),
    );
    // `set(template_credentials) - set(attrs['credentials'])`: the set's order, which depends on
    // the order it was built in, templateCredentials's.
    const inQueryOrder = templateCredentials(template, lookup).map(
      ({ credential }) => credential.id,
    );
    const removed = pythonSetDifference(inQueryOrder, [...providedIds])
      .map((id) => lookup(id))
      .filter((c): c is LaunchCredential => c !== undefined);
    // str(Credential) is BaseModel.__str__'s `name-pk` (awx/main/models/base.py:103).
    const names = removed.map(({ credential }) => `${credential.name}-${credential.id}`).join(', ');
    for (const { credential, type } of removed) {
      if (providedHashes.has(uniqueHash(credential, type))) continue;
      errors.push(
        `Removing ${uniqueHash(credential, type, true)} credential at launch time without replacement is not supported. Provided list lacked credential(s): ${names}.`,
      );
    }
  }
  return errors;
}

/**
 * `template.credentials.all()`: in Credential.Meta.ordering ('name',) (credential.py:140), not
 * the order they were attached in, which AWX does not keep; ties by pk, one order PostgreSQL may
 * give them. A launch's password checks, its `defaults` and the template's summary list them so.
 */
export function templateCredentials(
  template: JobTemplate,
  lookup: (id: number) => LaunchCredential | undefined,
): LaunchCredential[] {
  return template.credentials
    .flatMap((id) => lookup(id) ?? [])
    .sort((a, b) => byName(a.credential, b.credential));
}

/** By name as PostgreSQL answers `ORDER BY name`, then by pk. */
function byName(a: Credential, b: Credential): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id - b.id;
}

/**
 * JobTemplateCredentialsList.is_valid_relation, credential by credential as they are attached:
 * one per unique hash, and only kinds a job can use. The first refusal's message, if any.
 */
export function attachErrors(
  credentials: readonly (LaunchCredential | undefined)[],
): string | undefined {
  const attached = new Set<string>();
  for (const found of credentials) {
    if (!found) continue;
    const { credential, type } = found;
    const hash = uniqueHash(credential, type);
    if (attached.has(hash)) {
      return `Cannot assign multiple ${uniqueHash(credential, type, true)} credentials.`;
    }
    if (!LAUNCHABLE_KINDS.has(type.kind))
      return `Cannot assign a Credential of kind \`${type.kind}\`.`;
    attached.add(hash);
  }
  return undefined;
}

/**
 * Credential.unique_dict: one credential per unique hash (type, and a vault's id), a later one
 * taking an earlier one's place, as a prompted credential replaces the template's of its kind.
 */
export function byUniqueHash(credentials: readonly LaunchCredential[]): LaunchCredential[] {
  const kept = new Map<string, LaunchCredential>();
  for (const c of credentials) kept.set(uniqueHash(c.credential, c.type), c);
  return [...kept.values()];
}
