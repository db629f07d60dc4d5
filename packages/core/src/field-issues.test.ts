import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toFieldIssues } from './field-issues.js';

const issuesOf = (schema: z.ZodType, input: unknown) => {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('parsed');
  return toFieldIssues(result.error, 'spec');
};

describe('toFieldIssues', () => {
  it('names a missing field as required, and unknown fields by name', () => {
    const schema = z.strictObject({ name: z.string() });
    expect(issuesOf(schema, { extra: 1 })).toEqual([
      { path: 'spec.name', message: 'is required (expected string)' },
      { path: 'spec', message: 'unknown field(s) extra' },
    ]);
  });

  it("gives a bad record key its own rule's message, not zod's summary", () => {
    const name = z
      .string()
      .regex(/^[A-Z_]+$/, { error: 'must be upper case' })
      .refine((key) => key !== 'HOME', { error: 'is reserved' });
    expect(
      issuesOf(z.object({ env: z.record(name, z.string()) }), { env: { HOME: '/', a: '' } }),
    ).toEqual([
      { path: 'spec.env.HOME', message: 'is reserved' },
      { path: 'spec.env.a', message: 'must be upper case' },
    ]);
  });
});
