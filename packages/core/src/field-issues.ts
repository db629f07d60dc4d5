import type { z } from 'zod';
import type { FieldIssue } from './errors.js';

/** Turns zod issues into field issues with dotted paths a user can find in their YAML. */
export function toFieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { path, message: describeIssue(issue) };
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `is required (expected ${issue.expected})`;
  }
  // A record key's own rule (a variable name, a reserved one) says more than zod's summary.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    return issue.issues.map(describeIssue).join('; ');
  }
  if (issue.code === 'unrecognized_keys') {
    return `unknown field(s) ${issue.keys.join(', ')}`;
  }
  return issue.message;
}
