import { z } from 'zod';
import { targetResourceMaxLength, targetResourcePattern } from './grammar.js';

const targetResourceFormat =
  'targetResource must be in format {namespace}/{kind}/{name} (namespaced) or {kind}/{name} (cluster-scoped)';

/**
 * Why a target is refused, in kubernaut's words (its ValidateSpec) where its check catches it:
 * tools and tests match on them. The grammar is stricter than kubernaut's count of non-empty
 * parts; what only the grammar refuses says what each part must be.
 */
function targetResourceMessage(target: unknown): string {
  if (typeof target !== 'string' || target === '') return 'targetResource is required';
  const parts = target.split('/');
  if (parts.length < 2 || parts.length > 3) {
    return `${targetResourceFormat}, got ${parts.length} parts`;
  }
  const empty = parts.indexOf('');
  if (empty >= 0) return `targetResource has empty part at position ${empty}`;
  return `${targetResourceFormat}: a DNS-1123 namespace, a kind of letters and digits, and an object name (letters, digits, "-", "_", ":" and single dots between them)`;
}

export const TargetResourceSchema = z
  .string()
  .max(targetResourceMaxLength)
  .regex(new RegExp(targetResourcePattern), {
    error: (issue) => targetResourceMessage(issue.input),
  });
