/**
 * Credential types: an input schema (`fields`, `required`) and injectors (`env`, `extra_vars`,
 * `file`) whose Jinja templates may only reference defined fields. Validation follows AWX's
 * CredentialTypeSerializer and the CredentialTypeInputField / CredentialTypeInjectorField
 * JSON schemas in awx/main/fields.py, message for message. Past 350 lines because the
 * input schema and the injectors validate against each other (an injector may only name a
 * declared field), so their rules stay together.
 */
import { z } from 'zod';
import type { Model } from './filters.js';
import { checkTemplate } from './injector-templates.js';
import { type Schema, type SchemaError, validate } from './json-schema.js';
import { isJsonObject, pythonRepr, pythonStr, pythonTypeName } from './python-json.js';
import type { FieldErrors } from './replies.js';
import {
  BLANK_COLUMN,
  charNullField,
  choiceNullField,
  jsonField,
  NON_FIELD_ERRORS_KEY,
} from './serializer-fields.js';
import { formatTimestamp, type Micros } from './timestamps.js';
import { type Authors, authorLinks, authorSummaries, BY_TOKEN_USER } from './users.js';

export const CREDENTIAL_KINDS = [
  'ssh',
  'vault',
  'net',
  'scm',
  'cloud',
  'registry',
  'token',
  'insights',
  'external',
  'kubernetes',
  'galaxy',
  'cryptography',
] as const;

export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The body of `POST credential_types/`, field by field as DRF reads it. */
export const credentialTypeRequestSchema = z.object({
  name: charNullField({ maxLength: 512 }),
  description: charNullField({ required: false, allowBlank: true }),
  kind: choiceNullField(CREDENTIAL_KINDS),
  inputs: jsonField(),
  injectors: jsonField(),
});

/** The shape of `inputs` once AWX has accepted it. */
const inputFieldSchema = z.object({
  id: z.string(),
  label: z.string(),
  type: z.enum(['string', 'boolean']).default('string'),
  secret: z.boolean().optional(),
  multiline: z.boolean().optional(),
  /** A secret a credential may leave to the launch by saving it as `ASK` (managed types only). */
  ask_at_runtime: z.boolean().optional(),
  format: z.string().optional(),
  choices: z.array(z.string()).optional(),
  help_text: z.string().optional(),
  default: z.union([z.string(), z.boolean()]).optional(),
});

export const credentialTypeInputsSchema = z.object({
  fields: z.array(inputFieldSchema).default([]),
  required: z.array(z.string()).default([]),
});

const injectorsSchema = z.object({
  env: z.record(z.string(), z.string()).optional(),
  /** Templates, or arrays and objects of them whose keys are templates too. */
  extra_vars: z.record(z.string(), z.json()).optional(),
  file: z.record(z.string(), z.string()).optional(),
});

export type CredentialTypeInputs = z.infer<typeof credentialTypeInputsSchema>;

/** A credential type as a test seeds it: the body of `POST credential_types/`, typed. */
export interface CredentialTypeSeed {
  readonly name: string;
  readonly kind: CredentialKind;
  readonly description?: string | undefined;
  readonly inputs?: z.input<typeof credentialTypeInputsSchema> | undefined;
  readonly injectors?: z.input<typeof injectorsSchema> | undefined;
}

export interface CredentialType {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly kind: CredentialKind;
  readonly managed: boolean;
  readonly namespace: string | null;
  readonly inputs: CredentialTypeInputs;
  /** `inputs` exactly as submitted, which AWX echoes back. */
  readonly rawInputs: unknown;
  readonly injectors: unknown;
  readonly created: Micros;
}

const IDENTIFIER = '^[a-zA-Z_]+[a-zA-Z0-9_]*$';

const INPUTS_SCHEMA: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    required: { type: 'array', items: { type: 'string' } },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { enum: ['string', 'boolean'] },
          format: { enum: ['ssh_private_key', 'url'] },
          choices: { type: 'array', minItems: 1, items: { type: 'string' }, uniqueItems: true },
          id: {
            type: 'string',
            pattern: IDENTIFIER,
            error: '{instance} is an invalid variable name',
          },
          label: { type: 'string' },
          help_text: { type: 'string' },
          multiline: { type: 'boolean' },
          secret: { type: 'boolean' },
          ask_at_runtime: { type: 'boolean' },
          default: {},
        },
        additionalProperties: false,
        required: ['id', 'label'],
      },
    },
  },
};

const INJECTORS_SCHEMA: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    file: {
      type: 'object',
      patternProperties: { '^template(\\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$': { type: 'string' } },
      additionalProperties: false,
    },
    env: {
      type: 'object',
      patternProperties: { [IDENTIFIER]: { type: 'string', pattern: '^[\\x00-\\x7F]*$' } },
      additionalProperties: false,
    },
    extra_vars: {
      type: 'object',
      // An Ansible variable name, or a template of one.
      patternProperties: {
        '^[a-zA-Z_\\{\\}]+[a-zA-Z0-9_\\{\\}]*$': {
          anyOf: [{ type: 'string' }, { type: 'array' }, { $ref: '#/properties/extra_vars' }],
        },
      },
      additionalProperties: false,
    },
  },
};

// awx/main/constants.py ENV_BLOCKLIST: variables a credential may not set.
const ENV_BLOCKLIST = new Set([
  'VIRTUAL_ENV',
  'PATH',
  'PYTHONPATH',
  'JOB_ID',
  'INVENTORY_ID',
  'INVENTORY_SOURCE_ID',
  'INVENTORY_UPDATE_ID',
  'AD_HOC_COMMAND_ID',
  'REST_API_URL',
  'REST_API_TOKEN',
  'MAX_EVENT_RES',
  'CALLBACK_QUEUE',
  'CALLBACK_CONNECTION',
  'CACHE',
  'JOB_CALLBACK_DEBUG',
  'INVENTORY_HOSTVARS',
  'AWX_HOST',
  'PROJECT_REVISION',
  'SUPERVISOR_CONFIG_PATH',
]);

/** JSONSchemaField.validate's rewording of python-jsonschema messages. */
function awxSchemaMessage(error: SchemaError): string {
  if (error.validator === 'pattern' && error.schema.error) {
    return error.schema.error.replace('{instance}', String(error.instance));
  }
  if (error.validator === 'type') {
    const expected = error.expected === 'object' ? 'dict' : String(error.expected);
    const type = pythonTypeName(error.instance);
    return error.path.length > 0
      ? `${type} provided in relative path ${pythonRepr(error.path)}, expected ${expected}`
      : `${type} provided, expected ${expected}`;
  }
  if (error.validator === 'additionalProperties') {
    return `Schema validation error in relative path ${pythonRepr(error.path)} (${error.message})`;
  }
  return error.message;
}

/** CredentialTypeInputField.validate: the first failing rule's messages, or the accepted inputs. */
function validateInputs(value: unknown): { errors: string[] } | { inputs: CredentialTypeInputs } {
  if (isJsonObject(value) && 'dependencies' in value) {
    return { errors: ["'dependencies' is not supported for custom credentials."] };
  }
  const schemaErrors = validate(value, INPUTS_SCHEMA);
  if (schemaErrors.length > 0) return { errors: schemaErrors.map(awxSchemaMessage) };
  const fields = ((value as Record<string, unknown>).fields ?? []) as Record<string, unknown>[];
  const seen = new Set<string>();
  for (const field of fields) {
    const id = field.id as string;
    if (id === 'tower') return { errors: ['"tower" is a reserved field name'] };
    if (seen.has(id)) return { errors: [`field IDs must be unique (${id})`] };
    seen.add(id);
    const type = (field.type as string | undefined) ?? 'string';
    if ('default' in field && typeof field.default !== (type === 'string' ? 'string' : 'boolean')) {
      return { errors: [`${pythonStr(field.default)} is not a ${type}`] };
    }
    for (const key of ['choices', 'multiline', 'format', 'secret']) {
      if (key in field && type !== 'string') {
        return { errors: [`${key} not allowed for ${type} type (${id})`] };
      }
    }
  }
  return { inputs: credentialTypeInputsSchema.parse(value) };
}

/** CredentialTypeInjectorField.validate. */
function validateInjectors(value: unknown, inputs: CredentialTypeInputs | undefined): string[] {
  const schemaErrors = validate(value, INJECTORS_SCHEMA);
  if (schemaErrors.length > 0) return schemaErrors.map(awxSchemaMessage);
  // AWX cannot judge template references against invalid inputs, so it stops here.
  if (!inputs) return [];
  const injectors = injectorsSchema.parse(value);
  const templates = Object.keys(injectors.file ?? {});
  if (templates.includes('template') && templates.length > 1) {
    return ['Must use multi-file syntax when injecting multiple files'];
  }
  const namespace = {
    fields: new Set(inputs.fields.map((f) => f.id)),
    files: templates.includes('template')
      ? 'single'
      : templates.map((t) => t.split('.')[1] as string),
  } as const;
  for (const [type, injector] of Object.entries(injectors)) {
    if (type === 'env') {
      for (const key of Object.keys(injector ?? {})) {
        if (key.startsWith('ANSIBLE_')) {
          return [
            `Environment variable ${key} may affect Ansible configuration so its use is not allowed in credentials.`,
          ];
        }
        if (ENV_BLOCKLIST.has(key)) {
          return [`Environment variable ${key} is not allowed to be used in credentials.`];
        }
      }
    }
    const templates =
      type === 'extra_vars'
        ? extraVarsTemplates(null, injector)
        : // env and file: flat maps of templates, as injectorsSchema parsed them.
          Object.entries((injector ?? {}) as Record<string, string>);
    for (const [key, template] of templates) {
      const problem = checkTemplate(template, namespace);
      if (problem?.kind === 'syntax') {
        return [
          `Syntax error rendering template for ${key} inside of ${type} (${problem.message})`,
        ];
      }
      if (problem) return [`${key} uses an undefined field (${problem.message})`];
    }
  }
  return [];
}

/**
 * The templates of an `extra_vars` injector in the order AWX checks them (validate_extra_vars),
 * each with the name its errors give: every key of an object, named by the object's path (`a
 * key` at the top), then the key's value; array items by index. AWX would fail on a scalar that
 * is not text (a 500), which no client sends; the simulator leaves it unchecked.
 */
function extraVarsTemplates(path: string | null, node: unknown): [string, string][] {
  if (Array.isArray(node)) {
    return node.flatMap((item, i) => extraVarsTemplates(`${path}[${i}]`, item));
  }
  if (isJsonObject(node)) {
    return Object.entries(node).flatMap(([key, value]): [string, string][] => [
      [path ?? 'a key', key],
      ...extraVarsTemplates(path === null ? key : `${path}.${key}`, value),
    ]);
  }
  return typeof node === 'string' && path !== null ? [[path, node]] : [];
}

export type CredentialTypeValidation =
  | { readonly ok: true; readonly inputs: CredentialTypeInputs }
  | { readonly ok: false; readonly errors: FieldErrors };

/**
 * Object-level validation of a credential type whose fields DRF already accepted, in AWX's order:
 * model `full_clean` (inputs, injectors, uniqueness of name and kind), then the serializer's kind
 * and `ask_at_runtime` rules.
 */
export function validateCredentialType(
  request: z.output<typeof credentialTypeRequestSchema>,
  existing: readonly CredentialType[],
): CredentialTypeValidation {
  // full_clean: the columns' checks in the model's field order, `name` first; a name that
  // failed is left out of the unique check.
  const errors: FieldErrors = request.name === '' ? { name: [BLANK_COLUMN] } : {};
  const inputs = validateInputs(request.inputs);
  if ('errors' in inputs) errors.inputs = inputs.errors;
  const injectorErrors = validateInjectors(
    request.injectors,
    'inputs' in inputs ? inputs.inputs : undefined,
  );
  if (injectorErrors.length > 0) errors.injectors = injectorErrors;
  if (
    request.name !== '' &&
    existing.some((t) => t.name === request.name && t.kind === request.kind)
  ) {
    errors[NON_FIELD_ERRORS_KEY] = ['Credential type with this Name and Kind already exists.'];
  }
  if (Object.keys(errors).length > 0 || !('inputs' in inputs)) return { ok: false, errors };
  if (request.kind !== 'cloud' && request.kind !== 'net') {
    return { ok: false, errors: { kind: [`Must be 'cloud' or 'net', not ${request.kind}`] } };
  }
  const fields =
    (request.inputs as { fields?: Record<string, unknown>[] | undefined }).fields ?? [];
  if (fields.some((f) => f.ask_at_runtime === true)) {
    return {
      ok: false,
      errors: { inputs: ["'ask_at_runtime' is not supported for custom credentials."] },
    };
  }
  return { ok: true, inputs: inputs.inputs };
}

/** A type's injector templates, as validation accepted them. */
export function typeInjectors(type: CredentialType): z.infer<typeof injectorsSchema> {
  return injectorsSchema.parse(type.injectors);
}

export function secretFields(type: CredentialType): Set<string> {
  return new Set(type.inputs.fields.filter((f) => f.secret).map((f) => f.id));
}

export const credentialTypeModel: Model<CredentialType> = {
  objectName: 'CredentialType',
  ordering: ['kind', 'name'],
  fields: {
    id: { kind: 'int', value: (t) => t.id },
    name: { kind: 'char', value: (t) => t.name },
    description: { kind: 'char', value: (t) => t.description },
    kind: { kind: 'char', value: (t) => t.kind },
    managed: { kind: 'bool', value: (t) => t.managed },
    namespace: { kind: 'char', value: (t) => t.namespace },
    inputs: { kind: 'json', value: (t) => JSON.stringify(t.rawInputs) },
    injectors: { kind: 'json', value: (t) => JSON.stringify(t.injectors) },
    created: { kind: 'datetime', value: (t) => t.created },
    modified: { kind: 'datetime', value: (t) => t.created },
  },
};

/**
 * A managed type is made by CredentialType.setup_tower_managed_defaults, outside any request, so
 * by no user; the rest by the simulator's user.
 */
function typeAuthors(type: CredentialType): Authors {
  return type.managed ? { createdBy: null, modifiedBy: null } : BY_TOKEN_USER;
}

export function serializeCredentialType(
  type: CredentialType,
  prefix: string,
  capabilities: { readonly edit: boolean; readonly delete: boolean },
): Record<string, unknown> {
  const url = `${prefix}credential_types/${type.id}/`;
  const authors = typeAuthors(type);
  return {
    id: type.id,
    type: 'credential_type',
    url,
    related: {
      ...authorLinks(authors, prefix),
      credentials: `${url}credentials/`,
      activity_stream: `${url}activity_stream/`,
    },
    summary_fields: { ...authorSummaries(authors), user_capabilities: capabilities },
    created: formatTimestamp(type.created),
    modified: formatTimestamp(type.created),
    name: type.name,
    description: type.description,
    kind: type.kind,
    namespace: type.namespace,
    managed: type.managed,
    inputs: type.rawInputs,
    injectors: type.injectors,
  };
}
