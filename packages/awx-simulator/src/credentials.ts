/**
 * Credentials, validated against their type as AWX's CredentialInputField does: an input the
 * type does not define is refused, a value of the wrong JSON type is refused under its field
 * name, and secret inputs read back as `$encrypted$`. Like AWX since credential plugins, a
 * credential may be saved without a `required` input; the job that uses it then fails to start.
 */
import { z } from 'zod';
import type { CredentialRole } from './access.js';
import { ASK } from './credential-passwords.js';
import { type CredentialType, secretFields } from './credential-types.js';
import type { Model } from './filters.js';
import { type Schema, validate } from './json-schema.js';
import type { LaunchCredential } from './launch-credentials.js';
import { objectRoles } from './object-roles.js';
import { hasEncryptedKey } from './pem.js';
import { isJsonObject, pythonTypeName } from './python-json.js';
import { pythonTruth } from './python-operators.js';
import type { FieldErrors } from './replies.js';
import {
  BLANK_COLUMN,
  charNullField,
  type Exists,
  jsonField,
  NON_FIELD_ERRORS_KEY,
  pkField,
} from './serializer-fields.js';
import { formatTimestamp, type Micros } from './timestamps.js';
import type { CredentialCapabilities } from './user-capabilities.js';
import { authorLinks, authorSummaries, BY_TOKEN_USER } from './users.js';

/**
 * The body of `POST credentials/` (CredentialSerializerCreate); related objects must exist. The
 * owner is one of `user`, `team` and `organization`; the simulator has one user and no teams.
 */
export function credentialRequestSchema(exists: {
  user: Exists;
  organization: Exists;
  credentialType: Exists;
}) {
  return z.object({
    name: charNullField({ maxLength: 512 }),
    description: charNullField({ required: false, allowBlank: true }),
    user: pkField({ exists: exists.user, required: false, allowNull: true }),
    team: pkField({ exists: () => false, required: false, allowNull: true }),
    organization: pkField({ exists: exists.organization, required: false, allowNull: true }),
    credential_type: pkField({ exists: exists.credentialType }),
    inputs: jsonField(),
  });
}

type CredentialRequestSchema = ReturnType<typeof credentialRequestSchema>;

/** A credential as a test seeds it: the body of `POST credentials/`, typed. */
export interface CredentialSeed {
  readonly name: string;
  readonly credential_type: number;
  readonly organization: number;
  readonly description?: string | undefined;
  readonly inputs?: Readonly<Record<string, string | boolean>> | undefined;
  /**
   * The role granted to the token's user on it (default none), which matters when it is not a
   * System Administrator; its organization's admin and credential_admin roles give admin anyway.
   */
  readonly role?: CredentialRole | undefined;
  /** One AWX manages (its `Ansible Galaxy` credential): no one may delete it. */
  readonly managed?: boolean | undefined;
}

export const ENCRYPTED = '$encrypted$';

/** Who made a credential: a client through the API, or a test seeding template credentials. */
export type CredentialOrigin = 'api' | 'seed';

export interface Credential {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  /** `null` for a credential a user owns. */
  readonly organization: number | null;
  readonly credentialType: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly origin: CredentialOrigin;
  /** The role granted to the token's user on it; see `credentialRole`. */
  readonly role: CredentialRole;
  readonly managed: boolean;
  readonly created: Micros;
  /** Its admin_role's id, the first of its roles' (object-roles.ts). */
  readonly firstRoleId: number;
}

function inputsSchema(type: CredentialType): Schema {
  const properties: Record<string, Schema> = {};
  for (const field of type.inputs.fields) {
    properties[field.id] = field.choices ? { ...field, enum: field.choices } : { ...field };
  }
  return { type: 'object', properties, additionalProperties: false };
}

const OWNER_FIELDS = ['organization', 'team', 'user'] as const;

/**
 * CredentialSerializerCreate.validate: exactly one owner, and an organization for a Galaxy
 * credential.
 */
function ownerErrors(
  request: z.output<CredentialRequestSchema>,
  type: CredentialType,
): FieldErrors | undefined {
  const owners = OWNER_FIELDS.filter((field) => request[field] !== null);
  if (owners.length === 0) return { detail: ["Missing 'user', 'team', or 'organization'."] };
  if (owners.length > 1) {
    return {
      detail: [
        `Only one of 'user', 'team', or 'organization' should be provided, received ${owners.join(', ')} fields.`,
      ],
    };
  }
  if (type.kind === 'galaxy' && owners[0] !== 'organization') {
    return { organization: ['Galaxy credentials must be owned by an Organization.'] };
  }
  return undefined;
}

/**
 * Object-level validation once DRF accepted the fields, in AWX's order: exactly one owner, then
 * the model's `full_clean` checks the inputs and that organization, name and type are unique
 * (Django checks no unique_together with a null in it, so a user's credentials need not be).
 */
export function validateCredential(
  request: z.output<CredentialRequestSchema>,
  type: CredentialType,
  existing: readonly Credential[],
): { ok: true; inputs: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
  const owner = ownerErrors(request, type);
  if (owner) return { ok: false, errors: owner };
  // full_clean: the columns' checks in the model's field order, `name` before `inputs`; a name
  // that failed is left out of the unique check.
  const blank: FieldErrors = request.name === '' ? { name: [BLANK_COLUMN] } : {};
  const refused = (errors: FieldErrors) => ({
    ok: false as const,
    errors: { ...blank, ...errors },
  });
  const inputs = request.inputs;
  if (!isJsonObject(inputs)) {
    return refused({ inputs: [`${pythonTypeName(inputs)} provided, expected dict`] });
  }
  for (const field of secretFields(type)) {
    if (inputs[field] === ENCRYPTED) {
      return refused({
        inputs: [`${ENCRYPTED} is a reserved keyword, and cannot be used for ${field}.`],
      });
    }
  }
  const errors: FieldErrors = { ...blank };
  const byField: Record<string, string[]> = {};
  for (const error of validate(inputs, inputsSchema(type))) {
    const id = error.schema.id;
    // AWX reports an error that belongs to no single field for `inputs` as a whole, at once.
    if (id === undefined) return refused({ inputs: [error.message] });
    byField[id] = [error.message];
  }
  const unlock = sshKeyUnlockProblem(type, inputs, 'ssh_key_data' in byField);
  if (unlock) byField.ssh_key_unlock = [unlock];
  if (Object.keys(byField).length > 0) errors.inputs = byField;
  const duplicate = existing.some(
    (c) =>
      request.organization !== null &&
      request.name !== '' &&
      c.organization === request.organization &&
      c.name === request.name &&
      c.credentialType === type.id,
  );
  if (duplicate) {
    errors[NON_FIELD_ERRORS_KEY] = [
      'Credential with this Organization, Name and Credential type already exists.',
    ];
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, inputs };
}

/**
 * CredentialInputField.validate on a managed type with a passphrase: one is needed exactly when
 * the key is encrypted (told only where the key itself was not refused).
 */
function sshKeyUnlockProblem(
  type: CredentialType,
  inputs: Readonly<Record<string, unknown>>,
  keyRefused: boolean,
): string | undefined {
  if (!type.managed || !type.inputs.fields.some((field) => field.id === 'ssh_key_unlock')) {
    return undefined;
  }
  const encrypted = hasEncryptedKey(inputs.ssh_key_data);
  const unlock = pythonTruth(inputs.ssh_key_unlock);
  if (encrypted && !unlock) return 'must be set when SSH key is encrypted.';
  if (pythonTruth(inputs.ssh_key_data) && unlock && !encrypted && !keyRefused) {
    return 'should not be set when SSH key is not encrypted.';
  }
  return undefined;
}

/** The `required` inputs a credential lacks, which stop a job that uses it from starting. */
export function missingRequiredInputs(credential: Credential, type: CredentialType): string[] {
  const defined = new Set(type.inputs.fields.map((f) => f.id));
  return type.inputs.required
    .filter((id) => defined.has(id))
    .filter((id) => credential.inputs[id] === undefined || credential.inputs[id] === '')
    .sort();
}

export const credentialModel: Model<Credential> = {
  objectName: 'Credential',
  ordering: ['name'],
  fields: {
    id: { kind: 'int', value: (c) => c.id },
    name: { kind: 'char', value: (c) => c.name },
    description: { kind: 'char', value: (c) => c.description },
    organization: { kind: 'fk', value: (c) => c.organization },
    credential_type: { kind: 'fk', value: (c) => c.credentialType },
    managed: { kind: 'bool', value: (c) => c.managed },
    inputs: {
      kind: 'char',
      value: () => null,
      // Credential.PASSWORD_FIELDS (get_fields_from_path).
      forbidden: 'Filtering on field inputs is not allowed.',
    },
    created: { kind: 'datetime', value: (c) => c.created },
    modified: { kind: 'datetime', value: (c) => c.created },
  },
};

/**
 * Secrets that hold a value read back as `$encrypted$`; empty ones stay empty, and so does `ASK`
 * in an `ask_at_runtime` input, which AWX's encrypt_field keeps as it is.
 */
function displayInputs(credential: Credential, type: CredentialType): Record<string, unknown> {
  const secrets = secretFields(type);
  const askable = new Set(type.inputs.fields.filter((f) => f.ask_at_runtime).map((f) => f.id));
  const shown = (key: string, value: unknown) =>
    !secrets.has(key) || value === '' || (value === ASK && askable.has(key));
  return Object.fromEntries(
    Object.entries(credential.inputs).map(([key, value]) => [
      key,
      shown(key, value) ? value : ENCRYPTED,
    ]),
  );
}

/**
 * A user's credential has no organization, and no link or summary of one. `capabilities` are
 * what the requesting user may do with it (CredentialAccess.get_user_capabilities).
 */
export function serializeCredential(
  credential: Credential,
  type: CredentialType,
  organizationName: string,
  capabilities: CredentialCapabilities,
  prefix: string,
): Record<string, unknown> {
  const url = `${prefix}credentials/${credential.id}/`;
  const org = credential.organization;
  return {
    id: credential.id,
    type: 'credential',
    url,
    related: {
      ...authorLinks(BY_TOKEN_USER, prefix),
      ...(org === null ? {} : { organization: `${prefix}organizations/${org}/` }),
      credential_type: `${prefix}credential_types/${type.id}/`,
      input_sources: `${url}input_sources/`,
      test: `${url}test/`,
    },
    summary_fields: {
      ...(org === null
        ? {}
        : { organization: { id: org, name: organizationName, description: '' } }),
      credential_type: { id: type.id, name: type.name, description: type.description },
      ...authorSummaries(BY_TOKEN_USER),
      object_roles: objectRoles('credential', credential.firstRoleId),
      user_capabilities: capabilities,
    },
    created: formatTimestamp(credential.created),
    modified: formatTimestamp(credential.created),
    name: credential.name,
    description: credential.description,
    organization: credential.organization,
    credential_type: type.id,
    managed: credential.managed,
    inputs: displayInputs(credential, type),
    kind: type.kind,
    cloud: type.kind === 'cloud',
    kubernetes: type.kind === 'kubernetes',
  };
}

/** AWX's `pre_start` refusal: a job credential lacks a required input. */
export function startBlocker(credentials: readonly LaunchCredential[]): string | undefined {
  for (const { credential, type } of credentials) {
    const missing = missingRequiredInputs(credential, type);
    if (missing.length > 0) {
      return `Job cannot start because Credential ${credential.name} does not provide one or more required fields (${missing.join(', ')}).`;
    }
  }
  return undefined;
}
