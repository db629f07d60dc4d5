import { describe, expect, it } from 'vitest';
import { toStructuralSchema } from './structural-schema.js';

describe('toStructuralSchema', () => {
  it('keeps the keywords Kubernetes understands, recursively', () => {
    expect(
      toStructuralSchema({
        $schema: 'x',
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, pattern: '^a' },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
        required: ['name'],
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, pattern: '^a' },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['name'],
    });
  });

  it('turns free-form JSON into a field that keeps unknown fields', () => {
    expect(toStructuralSchema({ allOf: [{ $ref: '#/definitions/json' }] })).toEqual({
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(toStructuralSchema({ $ref: '#/definitions/json' })).toEqual({
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });
});
