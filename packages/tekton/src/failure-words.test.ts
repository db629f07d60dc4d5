import { describe, expect, it } from 'vitest';
import { classifyByMessageWords } from './failure-words.js';
import { kubernautFailureCases } from './kubernaut-failure-cases.test-support.js';

describe('classifyByMessageWords', () => {
  it.each(kubernautFailureCases)(
    '%s, %s (started %s): %s',
    (reason, message, _started, failureReason) => {
      expect(classifyByMessageWords(reason, message)).toBe(failureReason);
    },
  );

  it.each([
    // Each rule's other words, and where a rule reads the reason too.
    ['Failed', 'container zoom exited', 'OOMKilled'],
    ['TaskRunTimeout', 'it stopped', 'DeadlineExceeded'],
    ['Failed', 'context deadline exceeded', 'DeadlineExceeded'],
    ['Failed', 'rbac: access denied', 'Forbidden'],
    ['Failed', 'open /etc/x: Permission Denied', 'Forbidden'],
    ['Failed', 'Resource Exhausted on node', 'ResourceExhausted'],
    ['Failed', 'Back-off pulling: ImagePullBackOff', 'ImagePullBackOff'],
    ['Failed', 'bad Configuration', 'ConfigurationError'],
    ['PipelineRunTaskFailed', 'it broke', 'TaskFailed'],
    ['Failed', 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0', 'TaskFailed'],
    // A reason is read only where kubernaut reads it: its `forbidden` is no rule's.
    ['Forbidden', 'it broke', 'Unknown'],
    // Both `task` and `failed` of the message are needed.
    ['Failed', 'task ended', 'Unknown'],
    ['Failed', 'step failed', 'Unknown'],
  ])('%s, %s: %s', (reason, message, failureReason) => {
    expect(classifyByMessageWords(reason, message)).toBe(failureReason);
  });

  it('takes the first rule whose words the message holds, in kubernaut order', () => {
    const rules: [string, string][] = [
      ['OOMKilled', 'oom'],
      ['DeadlineExceeded', 'timeout'],
      ['Forbidden', 'forbidden'],
      ['ResourceExhausted', 'quota'],
      ['ImagePullBackOff', 'image pull'],
      ['ConfigurationError', 'invalid'],
      ['TaskFailed', 'task failed'],
    ];
    rules.forEach(([failureReason], first) => {
      // Every later rule's words, after this one's.
      const message = rules
        .slice(first)
        .map(([, words]) => words)
        .join(', ');
      expect(classifyByMessageWords('Failed', message), message).toBe(failureReason);
    });
    expect(classifyByMessageWords('Failed', 'pods is forbidden: oom')).toBe('OOMKilled');
    expect(classifyByMessageWords('TaskRunFailed', 'exceeded quota')).toBe('ResourceExhausted');
  });

  it("lower-cases as Go does: a dotted capital I is Go's i", () => {
    expect(classifyByMessageWords('Failed', 'İNVALID spec')).toBe('ConfigurationError');
  });
});
