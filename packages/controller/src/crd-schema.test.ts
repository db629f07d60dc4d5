import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { crdSchemaOf } from './crd-schema.js';

const Spec = z.object({
  name: z.string().min(1).max(30),
  count: z.number().int().nonnegative().optional(),
  env: z.record(z.string().regex(/^[A-Z_]+$/), z.string()).optional(),
  template: z.object({ image: z.string(), args: z.array(z.string()).optional() }),
  extra: z.json().optional(),
});

describe('crdSchemaOf', () => {
  it('keeps types, bounds and required fields, and drops what a structural schema rejects', () => {
    expect(crdSchemaOf(Spec)).toEqual({
      type: 'object',
      required: ['name', 'template'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 30 },
        count: { type: 'integer', minimum: 0 },
        env: { type: 'object', additionalProperties: { type: 'string' } },
        template: {
          type: 'object',
          required: ['image'],
          properties: {
            image: { type: 'string' },
            args: { type: 'array', items: { type: 'string' } },
          },
        },
        extra: { 'x-kubernetes-preserve-unknown-fields': true },
      },
    });
  });

  it('leaves every field optional on request, for a controller that names what is missing', () => {
    expect(JSON.stringify(crdSchemaOf(Spec, { optionalFields: true }))).not.toContain('required');
  });
});

describe('crdSchemaOf int-or-string', () => {
  it('writes a union of a string and a whole number as Kubernetes does a Quantity', () => {
    const Quantity = z
      .union([
        z
          .string()
          .max(8)
          .regex(/^[0-9]+m?$/),
        z.int().nonnegative(),
      ])
      .transform(String);
    expect(crdSchemaOf(z.object({ cpu: Quantity }))).toEqual({
      type: 'object',
      required: ['cpu'],
      properties: {
        cpu: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          maxLength: 8,
          pattern: '^[0-9]+m?$',
        },
      },
    });
  });
});

describe('crdSchemaOf defaults', () => {
  it('keeps a default, so the API server fills it in as the controller would', () => {
    const schema = crdSchemaOf(z.object({ engine: z.string().default('tekton') }));
    expect(schema).toMatchObject({ properties: { engine: { type: 'string', default: 'tekton' } } });
  });
});
