import { z } from 'zod';

/** A JSON Schema (OpenAPI v3) object, as a CRD's `openAPIV3Schema` holds it. */
export type JsonSchema = { [keyword: string]: unknown };

export interface CrdSchemaOptions {
  /**
   * Leave every `required` out, at every depth. For specs the controller validates itself:
   * the API server then accepts an object with fields missing, and the controller rejects it
   * with a status that names each one, instead of the user getting only a create error.
   */
  readonly optionalFields?: boolean | undefined;
}

/** Keywords a Kubernetes structural schema accepts and that zod emits. */
const keptKeywords = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'maxProperties',
  'nullable',
  'default',
]);

/**
 * A CRD schema from a zod schema, so the API server and the controller check the same rules.
 * The result is structural, as Kubernetes requires: free-form JSON (which zod emits as a
 * reference) becomes a field that preserves unknown fields, and keywords Kubernetes rejects
 * (`$schema`, `propertyNames`, formats it does not know) are dropped.
 */
export function crdSchemaOf(schema: z.ZodType, options: CrdSchemaOptions = {}): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as JsonSchema;
  return toStructural(json, options);
}

function toStructural(schema: JsonSchema, options: CrdSchemaOptions): JsonSchema {
  if ('$ref' in schema || JSON.stringify(schema.allOf ?? []).includes('$ref')) {
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  const intOrString = intOrStringOf(schema);
  if (intOrString) return intOrString;
  const result: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (!keptKeywords.has(keyword)) continue;
    if (keyword === 'required' && options.optionalFields) continue;
    // Zod bounds integers by Number.MAX_SAFE_INTEGER; that bound says nothing to a user.
    if (keyword === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    if (keyword === 'minimum' && value === Number.MIN_SAFE_INTEGER) continue;
    if (keyword === 'properties') {
      result.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          toStructural(child, options),
        ]),
      );
    } else if (keyword === 'items' || keyword === 'additionalProperties') {
      // `additionalProperties: false` is the default of a structural schema; only a schema is kept.
      if (typeof value === 'object' && value !== null) {
        result[keyword] = toStructural(value as JsonSchema, options);
      }
    } else {
      result[keyword] = value;
    }
  }
  return result;
}

/**
 * A union of a string and a whole number (a Quantity, an IntOrString) as Kubernetes writes it:
 * a structural schema takes a field of two types only so, and the string's rules at the top,
 * where a number ignores them.
 */
function intOrStringOf(schema: JsonSchema): JsonSchema | undefined {
  const options = schema.anyOf;
  if (!Array.isArray(options) || options.length !== 2) return undefined;
  const string = options.find((o: JsonSchema) => o.type === 'string') as JsonSchema | undefined;
  const integer = options.find((o: JsonSchema) => o.type === 'integer');
  if (!string || !integer) return undefined;
  const { type: _, ...stringRules } = toStructural(string, {});
  return {
    ...(schema.description !== undefined ? { description: schema.description } : {}),
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    ...stringRules,
  };
}
