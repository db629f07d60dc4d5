/**
 * How a workflow's Secrets reach its playbook: per Secret, a custom credential type that injects
 * each key as `<PREFIX>_SECRET_<SECRET>_<KEY>`, and one credential of that type per execution.
 * Everything here is a pure function; the executor performs the plan.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, type Conventions, type FieldIssue } from '@roundhouse/core';
import type { ExecutionIdentity } from './execution-identity.js';
import type { Credential, CredentialType, CredentialTypeRequest } from './schemas.js';

/** A Secret's keys with their values decoded; the values are secrets and are never logged. */
export interface SecretValues {
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
  /** The version read, so a later read can tell whether the values are still those. */
  readonly resourceVersion?: string | undefined;
}

export interface CredentialPlan {
  readonly secretName: string;
  /** The type as this package creates it under its base name. */
  readonly type: CredentialTypeRequest;
  readonly credential: {
    readonly name: string;
    readonly description: string;
    /** Input id to secret value. */
    readonly inputs: Readonly<Record<string, string>>;
  };
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Identifiers that cannot be an input read by the injector `{{<id>}}`. AWX reserves `tower`
 * (CredentialTypeInputField.validate). AWX renders injectors with Jinja, whose parser reads
 * `not` as an operator (`{{not}}` is a syntax error: AWX refuses the type) and `true`, `false`,
 * `none` in either case as constants (the variable would be "True", never the value); and
 * inject_credential's `render(**namespace)` fails the job before it runs on an input `self`,
 * which collides with Template.render's own parameter.
 */
const reservedIds = new Set([
  'tower',
  'not',
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
  'self',
]);

/**
 * AWX input ids for a Secret's keys, one per key and all distinct: the key itself when it is an
 * identifier the injector can read, else the key with `_` for each character AWX refuses, and
 * `_` in front as often as it takes to be an identifier that is neither reserved nor taken by
 * another key. Keys are visited in sorted order, so equal Secrets get equal ids.
 */
export function inputIds(keys: readonly string[]): Map<string, string> {
  const usable = (key: string) => identifier.test(key) && !reservedIds.has(key);
  const ids = new Map(keys.filter(usable).map((key) => [key, key]));
  const taken = new Set(ids.keys());
  for (const key of keys.filter((k) => !usable(k)).sort()) {
    let id = key.replace(/[^A-Za-z0-9_]/g, '_');
    while (!identifier.test(id) || reservedIds.has(id) || taken.has(id)) id = `_${id}`;
    ids.set(key, id);
    taken.add(id);
  }
  return ids;
}

/** A name inside an environment variable name: upper case, anything but `A-Z0-9_` as `_`. */
function envSegment(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** `<PREFIX>_SECRET_<SECRET>_<KEY>`, e.g. `ROUNDHOUSE_SECRET_DB_CREDS_PASSWORD`. */
export function secretVariable(conventions: Conventions, secret: string, key: string): string {
  return `${conventions.envPrefix}_SECRET_${envSegment(secret)}_${envSegment(key)}`;
}

/** `<prefix>secret-<secret>`: kubernaut's name with the kubernaut prefix, so types are shared. */
export function credentialTypeName(namePrefix: string, secret: string): string {
  return `${namePrefix}secret-${secret}`;
}

/** Every credential this execution creates is named with this prefix, and only those are. */
export function ephemeralCredentialPrefix(namePrefix: string, identity: ExecutionIdentity): string {
  return `${namePrefix}ephemeral-${identity.key}-`;
}

/**
 * AWX marks its encrypted values with this prefix: it refuses a secret input equal to it, and
 * stores one that merely starts with it as it is, then fails the job that uses the credential
 * when decrypting it (awx/main/utils/encryption.py, encrypt_field and decrypt_value).
 */
const awxEncryptedPrefix = '$encrypted$';

/**
 * Why a value holding NUL can never reach the playbook. AWX takes it (a secret input is stored
 * encrypted, so PostgreSQL never sees the character) and renders it into the job's environment
 * (CredentialType.inject_credential, awx/main/models/credential.py:646, passed on as the runner's
 * `envvars`, awx/main/tasks/jobs.py:554), but an environment variable is a NUL-terminated string
 * (execve), and Python refuses one holding NUL ("embedded null byte") when ansible-runner starts
 * the playbook with it (pexpect.spawn, ansible_runner/runner.py:286-290): the job would fail, or
 * lose the value's end, only once AWX ran it.
 */
const nulReason =
  'holds a NUL character (U+0000), which no environment variable can carry: AWX would take ' +
  'the credential and fail the job when it starts the playbook; remove the character';

/**
 * Decodes a Secret's `data` (base64) to text. AWX credential inputs are text, so a value that
 * is not UTF-8 is a ConfigurationError naming the key (never the value), as is one AWX cannot
 * keep as a secret input or inject (one holding NUL). Other control characters are kept: AWX
 * injects them as they are.
 */
export function decodeSecretData(
  secret: string,
  index: number,
  data: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  // ignoreBOM: a value that starts with a byte order mark keeps it, as the Secret holds it.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // Entries, not assignments: a Secret may have a key named "__proto__", which assigning to a
  // plain object would drop without a word.
  const decoded: [string, string][] = [];
  for (const [key, encoded] of Object.entries(data ?? {})) {
    let value: string;
    try {
      value = decoder.decode(Buffer.from(encoded, 'base64'));
    } catch {
      throw new ConfigurationError({
        path: `dependencies.secrets[${index}].name`,
        message: `key "${key}" of Secret ${secret} is not UTF-8 text; AWX credential inputs must be text`,
      });
    }
    if (value.includes('\u0000')) {
      throw new ConfigurationError({
        path: `dependencies.secrets[${index}].name`,
        message: `key "${key}" of Secret ${secret} ${nulReason}`,
      });
    }
    if (value.startsWith(awxEncryptedPrefix)) {
      throw new ConfigurationError({
        path: `dependencies.secrets[${index}].name`,
        message:
          `key "${key}" of Secret ${secret} starts with "${awxEncryptedPrefix}", which AWX ` +
          'reserves for its encrypted values: it refuses such a credential input, or keeps it ' +
          'unencrypted and fails the job when it cannot decrypt it; change the value',
      });
    }
    decoded.push([key, value]);
  }
  return Object.fromEntries(decoded);
}

/**
 * One credential type and one credential per Secret, in dependency order. Secrets without
 * keys get none. Keys that would become the same environment variable, within a Secret or
 * across Secrets, are a ConfigurationError: AWX would inject only one of them.
 */
export function planCredentials(
  secrets: readonly SecretValues[],
  identity: ExecutionIdentity,
  namePrefix: string,
  conventions: Conventions,
): CredentialPlan[] {
  const issues: FieldIssue[] = [];
  const variables = new Map<string, string>();
  const plans = secrets.flatMap((secret, index): CredentialPlan[] => {
    const path = `dependencies.secrets[${index}].name`;
    const keys = Object.keys(secret.data).sort();
    if (keys.length === 0) return [];
    const ids = inputIds(keys);
    const env: [string, string][] = [];
    const inputs: [string, string][] = [];
    for (const key of keys) {
      const id = ids.get(key) as string;
      const variable = secretVariable(conventions, secret.name, key);
      const sameVariable = variables.get(variable);
      if (sameVariable !== undefined) {
        issues.push({
          path,
          message: `key "${key}" of Secret ${secret.name} becomes ${variable}, like ${sameVariable}; rename one`,
        });
      }
      variables.set(variable, `key "${key}" of Secret ${secret.name}`);
      env.push([variable, `{{${id}}}`]);
      inputs.push([id, secret.data[key] ?? '']);
    }
    const type: CredentialTypeRequest = {
      name: credentialTypeName(namePrefix, secret.name),
      description:
        `Injects the keys of the Kubernetes Secret ${secret.name} as ` +
        `${conventions.envPrefix}_SECRET_${envSegment(secret.name)}_<KEY> environment variables.`,
      kind: 'cloud',
      inputs: {
        fields: keys.map((key) => ({
          id: ids.get(key) as string,
          label: key,
          type: 'string',
          secret: true,
        })),
        required: [],
      },
      injectors: { env: Object.fromEntries(env) },
    };
    return [
      {
        secretName: secret.name,
        type,
        credential: {
          name: `${ephemeralCredentialPrefix(namePrefix, identity)}${secret.name}`,
          description: `Secret ${secret.name} for WorkflowExecution ${identity.id}; deleted when the execution is cleaned up.`,
          inputs: Object.fromEntries(inputs),
        },
      },
    ];
  });
  issues.push(...ansiblePrefixIssues(secrets, conventions));
  if (issues.length > 0) throw new ConfigurationError(issues);
  return plans;
}

/**
 * AWX refuses a credential type whose injectors set a variable starting with `ANSIBLE_`, which
 * may change Ansible's configuration (CredentialTypeInjectorField.validate_env_var_allowed), and
 * every variable of a Secret starts with the envPrefix: with `ANSIBLE` (or `ANSIBLE_…`) no Secret
 * can be injected, said once, at the first Secret that has keys.
 */
function ansiblePrefixIssues(
  secrets: readonly SecretValues[],
  conventions: Conventions,
): FieldIssue[] {
  const prefix = `${conventions.envPrefix}_SECRET_`;
  const index = secrets.findIndex((secret) => Object.keys(secret.data).length > 0);
  const secret = secrets[index];
  if (!prefix.startsWith('ANSIBLE_') || secret === undefined) return [];
  return [
    {
      path: `dependencies.secrets[${index}].name`,
      message:
        `Secret ${secret.name} would be injected as ${prefix}${envSegment(secret.name)}_<KEY> ` +
        'environment variables, which AWX refuses in a credential type (a variable starting ' +
        "with ANSIBLE_ may affect Ansible's configuration): use conventions with another " +
        'envPrefix (not ANSIBLE, nor one starting with ANSIBLE_)',
    },
  ];
}

/**
 * Whether an existing type injects exactly what `wanted` would: the same secret string
 * inputs, nothing required, and the same environment variables only. A type with fewer inputs
 * would silently leave variables empty; one with more would need inputs the Secret lacks.
 */
export function matchesCredentialType(
  existing: CredentialType,
  wanted: CredentialTypeRequest,
): boolean {
  const fields = new Map(existing.inputs.fields.map((field) => [field.id, field]));
  const wantedFields = wanted.inputs?.fields ?? [];
  const env = existing.injectors.env ?? {};
  const wantedEnv = wanted.injectors.env ?? {};
  return (
    existing.kind === wanted.kind &&
    existing.inputs.required.length === 0 &&
    fields.size === wantedFields.length &&
    wantedFields.every((w) => {
      const field = fields.get(w.id);
      return field?.type === 'string' && field.secret;
    }) &&
    Object.keys(existing.injectors.extra_vars ?? {}).length === 0 &&
    Object.keys(existing.injectors.file ?? {}).length === 0 &&
    Object.keys(env).length === Object.keys(wantedEnv).length &&
    Object.entries(wantedEnv).every(([name, template]) => env[name] === template)
  );
}

/**
 * The same type under a name derived from its inputs and injectors, used when the base name is
 * taken by a type with other inputs (the Secret gained or lost keys). Equal Secrets shapes give
 * equal names, so executions share it.
 */
export function versionedCredentialType(wanted: CredentialTypeRequest): CredentialTypeRequest {
  const shape = JSON.stringify([
    (wanted.inputs?.fields ?? []).map((f) => f.id),
    Object.entries(wanted.injectors.env ?? {}).sort(),
  ]);
  const version = createHash('sha256').update(shape, 'utf8').digest('hex').slice(0, 10);
  return { ...wanted, name: `${wanted.name}-v${version}` };
}

/**
 * The credentials of a launch: the template's own first, then this execution's, each once. AWX
 * refuses a list that lacks a template credential without one of its type in its place
 * (JobLaunchSerializer, 400), and layers the listed ones onto the template's by type
 * (create_unified_job). A template credential of an ephemeral one's type is left out, since the
 * ephemeral one takes its place for the job; such replacements are returned so the caller can
 * warn.
 */
export function launchCredentials(
  template: readonly Credential[],
  ephemeral: readonly Credential[],
): { ids: number[]; replaced: Credential[] } {
  const ephemeralTypes = new Set(ephemeral.map((c) => c.credential_type));
  const replaced = template.filter((c) => ephemeralTypes.has(c.credential_type));
  const kept = template.filter((c) => !ephemeralTypes.has(c.credential_type));
  const ids = [...new Set([...kept, ...ephemeral].map((c) => c.id))];
  return { ids, replaced };
}
