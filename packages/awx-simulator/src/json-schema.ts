/**
 * The part of JSON Schema draft 4 that AWX's credential schemas use, reporting errors with
 * python-jsonschema's messages, paths and failing sub-schemas, because AWX builds its 400 bodies
 * from exactly those (awx/main/fields.py).
 */
import { formatProblem } from './input-formats.js';
import { isJsonObject, isRawJson, pythonRepr } from './python-json.js';

export interface Schema {
  readonly type?: 'object' | 'array' | 'string' | 'boolean' | 'number' | 'integer' | undefined;
  readonly enum?: readonly unknown[] | undefined;
  readonly pattern?: string | undefined;
  readonly properties?: Readonly<Record<string, Schema>> | undefined;
  readonly patternProperties?: Readonly<Record<string, Schema>> | undefined;
  readonly additionalProperties?: boolean | undefined;
  readonly required?: readonly string[] | undefined;
  readonly items?: Schema | undefined;
  readonly minItems?: number | undefined;
  readonly uniqueItems?: boolean | undefined;
  readonly anyOf?: readonly Schema[] | undefined;
  /** A JSON pointer into the root schema, e.g. `#/properties/extra_vars`. */
  readonly $ref?: string | undefined;
  /** AWX's replacement message for a `pattern` failure, with `{instance}` substituted. */
  readonly error?: string | undefined;
  /** Checked by AWX's own checkers (input-formats.ts). */
  readonly format?: string | undefined;
  /** AWX keys credential input errors by the failing field's `id`. */
  readonly id?: string | undefined;
  readonly [annotation: string]: unknown;
}

export interface SchemaError {
  readonly validator: string;
  readonly message: string;
  readonly path: readonly (string | number)[];
  readonly schema: Schema;
  readonly instance: unknown;
  readonly expected?: unknown;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' || isRawJson(value);
    default:
      return (
        (typeof value === 'number' && Number.isInteger(value)) ||
        (isRawJson(value) && /^-?\d+$/.test(value.rawJSON))
      );
  }
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The sub-schema a `$ref` names: `#` and a path of property names from the root. */
function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) throw new Error(`unsupported $ref ${ref}`);
  let schema: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    schema = (schema as Record<string, unknown>)[part];
    if (schema === undefined) throw new Error(`unresolvable $ref ${ref}`);
  }
  return schema as Schema;
}

/**
 * Every error, in the order python-jsonschema yields them (schema keyword order). Draft 4
 * validates a schema with `$ref` against the referenced schema alone.
 */
export function validate(
  instance: unknown,
  schema: Schema,
  path: (string | number)[] = [],
  root: Schema = schema,
): SchemaError[] {
  if (schema.$ref !== undefined)
    return validate(instance, resolveRef(root, schema.$ref), path, root);
  const errors: SchemaError[] = [];
  const error = (validator: string, message: string, expected?: unknown) =>
    errors.push({ validator, message, path, schema, instance, expected });
  for (const keyword of Object.keys(schema)) {
    switch (keyword) {
      case 'anyOf':
        if (!(schema.anyOf ?? []).some((sub) => validate(instance, sub, path, root).length === 0)) {
          error('anyOf', `${pythonRepr(instance)} is not valid under any of the given schemas`);
        }
        break;
      case 'type':
        if (schema.type && !isType(instance, schema.type)) {
          error('type', `${pythonRepr(instance)} is not of type '${schema.type}'`, schema.type);
        }
        break;
      case 'enum':
        if (schema.enum && !schema.enum.some((option) => equal(option, instance))) {
          error('enum', `${pythonRepr(instance)} is not one of ${pythonRepr(schema.enum)}`);
        }
        break;
      case 'pattern':
        if (
          typeof instance === 'string' &&
          schema.pattern &&
          !new RegExp(schema.pattern).test(instance)
        ) {
          error('pattern', `${pythonRepr(instance)} does not match ${pythonRepr(schema.pattern)}`);
        }
        break;
      case 'format': {
        const problem =
          schema.format === undefined ? undefined : formatProblem(schema.format, instance);
        if (problem !== undefined) error('format', problem);
        break;
      }
      case 'minItems':
        if (Array.isArray(instance) && instance.length < (schema.minItems ?? 0)) {
          error('minItems', `${pythonRepr(instance)} is too short`);
        }
        break;
      case 'uniqueItems':
        if (
          Array.isArray(instance) &&
          schema.uniqueItems &&
          instance.some((item, i) => instance.findIndex((other) => equal(other, item)) !== i)
        ) {
          error('uniqueItems', `${pythonRepr(instance)} has non-unique elements`);
        }
        break;
      case 'items':
        if (Array.isArray(instance) && schema.items) {
          instance.forEach((item, i) => {
            errors.push(...validate(item, schema.items as Schema, [...path, i], root));
          });
        }
        break;
      case 'properties':
        if (isJsonObject(instance)) {
          for (const [name, sub] of Object.entries(schema.properties ?? {})) {
            if (name in instance)
              errors.push(...validate(instance[name], sub, [...path, name], root));
          }
        }
        break;
      case 'patternProperties':
        if (isJsonObject(instance)) {
          for (const [pattern, sub] of Object.entries(schema.patternProperties ?? {})) {
            for (const [name, value] of Object.entries(instance)) {
              if (new RegExp(pattern).test(name))
                errors.push(...validate(value, sub, [...path, name], root));
            }
          }
        }
        break;
      case 'additionalProperties':
        if (isJsonObject(instance) && schema.additionalProperties === false) {
          const extras = additionalProperties(instance, schema);
          if (extras.length > 0) error('additionalProperties', additionalMessage(extras, schema));
        }
        break;
      case 'required':
        if (isJsonObject(instance)) {
          for (const name of schema.required ?? []) {
            if (!(name in instance))
              error('required', `${pythonRepr(name)} is a required property`);
          }
        }
        break;
    }
  }
  return errors;
}

function additionalProperties(instance: Record<string, unknown>, schema: Schema): string[] {
  const patterns = Object.keys(schema.patternProperties ?? {}).map((p) => new RegExp(p));
  return Object.keys(instance)
    .filter((name) => !(name in (schema.properties ?? {})) && !patterns.some((p) => p.test(name)))
    .sort();
}

function additionalMessage(extras: readonly string[], schema: Schema): string {
  const joined = extras.map((extra) => pythonRepr(extra)).join(', ');
  if (schema.patternProperties) {
    const patterns = Object.keys(schema.patternProperties)
      .sort()
      .map((p) => pythonRepr(p));
    return `${joined} ${extras.length === 1 ? 'does' : 'do'} not match any of the regexes: ${patterns.join(', ')}`;
  }
  return `Additional properties are not allowed (${joined} ${extras.length === 1 ? 'was' : 'were'} unexpected)`;
}
