import type { WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';

let sequence = 0;

/**
 * A conformance harness's `makeExecution` for `engine`: the sample execution on a target no
 * other call uses, so checks never share a lock, unless a check names the target itself.
 */
export function freshExecutions(engine: string) {
  return (options: { name?: string; targetResource?: string } = {}): WorkflowExecution => {
    sequence += 1;
    return sampleExecution({
      name: options.name ?? `${engine}-${sequence}`,
      spec: {
        executionEngine: engine,
        targetResource: options.targetResource ?? `team-a/deployment/${engine}-${sequence}`,
      },
    });
  };
}
