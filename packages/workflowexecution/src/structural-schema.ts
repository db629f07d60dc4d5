/**
 * Turns the JSON Schema that zod emits into a Kubernetes structural schema: the subset the API
 * server accepts for CRDs. Free-form JSON (zod's recursive json type, emitted as a $ref)
 * becomes a field that preserves unknown fields; keywords Kubernetes rejects are dropped.
 */
export type JsonSchema = { [keyword: string]: unknown };

const kept = new Set([
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
  'format',
  'default',
]);

export function toStructuralSchema(schema: JsonSchema): JsonSchema {
  if ('$ref' in schema || ('allOf' in schema && JSON.stringify(schema.allOf).includes('$ref'))) {
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  const result: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (!kept.has(keyword)) continue;
    if (keyword === 'properties') {
      result.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          toStructuralSchema(child),
        ]),
      );
    } else if (
      keyword === 'items' ||
      (keyword === 'additionalProperties' && typeof value === 'object')
    ) {
      result[keyword] = toStructuralSchema(value as JsonSchema);
    } else if (keyword === 'additionalProperties') {
    } else {
      result[keyword] = value;
    }
  }
  return result;
}
