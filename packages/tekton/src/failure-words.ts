/*
 * kubernaut's classification of a failed PipelineRun from words of its Succeeded condition
 * (its reconciler's Tekton failure classification): what the kubernaut conventions read where
 * Tekton's structured reasons say nothing more.
 */
import type { FailureReason } from '@roundhouse/core';

/**
 * Lower-cases as Go's `strings.ToLower` does, rune by rune: JavaScript's full case mapping
 * turns `İ` into `i` and a combining dot, which would hide an `invalid` Go finds.
 */
function goLowerCase(text: string): string {
  return text.replaceAll('\u0130', 'i').toLowerCase();
}

/**
 * The class kubernaut gives a failed PipelineRun with Succeeded `reason` and `message`: the
 * first of its rules whose words either holds, in its order, else `Unknown`. Any text can hold
 * the words (a name, a user's message), so a message that quotes `forbidden` reads Forbidden
 * and one that says `timeout` reads DeadlineExceeded, as they do in kubernaut.
 */
export function classifyByMessageWords(reason: string, message: string): FailureReason {
  const r = goLowerCase(reason);
  const m = goLowerCase(message);
  const has = (...words: string[]) => words.some((word) => m.includes(word));
  if (has('oomkilled', 'oom')) return 'OOMKilled';
  if (r.includes('timeout') || has('timeout', 'deadline')) return 'DeadlineExceeded';
  if (has('forbidden', 'rbac', 'permission denied')) return 'Forbidden';
  if (has('quota', 'resource exhausted')) return 'ResourceExhausted';
  if (has('imagepullbackoff', 'image pull')) return 'ImagePullBackOff';
  if (has('invalid', 'configuration')) return 'ConfigurationError';
  if (r.includes('taskfailed') || (m.includes('task') && m.includes('failed'))) {
    return 'TaskFailed';
  }
  return 'Unknown';
}
