import { roundhouseConventions } from './conventions.js';
import { sha256Hex } from './hash.js';

/**
 * The execution resource name for a target: the prefix and the first 16 hex characters of
 * sha256(target). Only the target is hashed, so every engine and every WorkflowExecution that
 * works on the same target computes the same name, and the API server's name uniqueness makes
 * that name a lock. Identical to kubernaut's ExecutionResourceName with the default prefix.
 */
export function executionResourceName(
  targetResource: string,
  namePrefix: string = roundhouseConventions.namePrefix,
): string {
  return `${namePrefix}${sha256Hex(targetResource).slice(0, 16)}`;
}
