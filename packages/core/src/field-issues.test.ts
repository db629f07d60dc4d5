import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toFieldIssues } from './field-issues.js';

const issuesOf = (schema: z.ZodType, input: unknown) => {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('parsed');
  return toFieldIssues(result.error, 'spec', input);
};

describe('toFieldIssues', () => {
  it('names a missing field as required, and unknown fields by name', () => {
    const schema = z.strictObject({ name: z.string() });
    expect(issuesOf(schema, { extra: 1 })).toEqual([
      { path: 'spec.name', message: 'is required (expected string)' },
      { path: 'spec', message: 'unknown field(s) extra' },
    ]);
  });

  it('tells a value of the wrong type from a missing one, naming its kind and never its value', () => {
    const schema = z.object({
      organizationId: z.int(),
      retries: z.number(),
      labels: z.object({ team: z.string() }),
    });
    expect(
      issuesOf(schema, { organizationId: 1.5, retries: 's3cret', labels: { team: null } }),
    ).toEqual([
      { path: 'spec.organizationId', message: 'must be a whole number, not a fractional number' },
      { path: 'spec.retries', message: 'must be a number, not a string' },
      { path: 'spec.labels.team', message: 'must be a string, not null' },
    ]);
    expect(issuesOf(schema, { organizationId: [1], retries: 1 })).toEqual([
      { path: 'spec.organizationId', message: 'must be a number, not a list' },
      { path: 'spec.labels', message: 'is required (expected object)' },
    ]);
  });

  it('claims neither when it is not given the input', () => {
    const result = z.object({ retries: z.number() }).safeParse({ retries: '3' });
    if (result.success) throw new Error('parsed');
    expect(toFieldIssues(result.error, 'spec')).toEqual([
      { path: 'spec.retries', message: 'must be a number' },
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
