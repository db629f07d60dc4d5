import type { z } from 'zod';
import type { FieldIssue } from './errors.js';

const notGiven = Symbol('no input given');

/**
 * Turns zod issues into field issues with dotted paths a user can find in their YAML. Given the
 * parsed `input`, a value of the wrong type is told from a missing one: zod keeps no input in
 * its issues unless asked to, so without it neither can be said for certain.
 */
export function toFieldIssues(
  error: z.ZodError,
  prefix = '',
  input: unknown = notGiven,
): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    const given = input === notGiven ? undefined : { input: valueAt(input, issue.path) };
    return { path, message: describeIssue(issue, given) };
  });
}

function describeIssue(issue: z.core.$ZodIssue, given: { input: unknown } | undefined): string {
  if (issue.code === 'invalid_type') {
    const value = 'input' in issue ? { input: issue.input } : given;
    if (value === undefined) return `must be ${article(issue.expected)}`;
    if (value.input === undefined) return `is required (expected ${issue.expected})`;
    return `must be ${article(issue.expected)}, not ${kindOf(value.input)}`;
  }
  // A record key's own rule (a variable name, a reserved one) says more than zod's summary.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    return issue.issues.map((inner) => describeIssue(inner, undefined)).join('; ');
  }
  if (issue.code === 'unrecognized_keys') {
    return `unknown field(s) ${issue.keys.join(', ')}`;
  }
  return issue.message;
}

/** The value at a zod issue's path, or undefined where the path leaves the input. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The kind of a value, never the value itself: it may be a secret put in the wrong field. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fractional number';
  return article(typeof value === 'object' ? 'object' : typeof value);
}

function article(kind: string): string {
  if (kind === 'int') return 'a whole number';
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
