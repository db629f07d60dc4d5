import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Conventions, Executor, WorkflowExecution } from '@roundhouse/core';
import type { ConformanceHarness } from '@roundhouse/core/testing/conformance';
import { patience } from './support.js';

/**
 * The conformance harness shared by the `process` and `agent` engines. Each execution runs a
 * shell that waits for its `CONTROL` file (a parameter, so it reaches the task through the
 * environment like any parameter) and exits with the code written there.
 */
export function processConformanceHarness(options: {
  readonly executor: Executor;
  readonly controlDir: string;
  readonly engine: string;
  readonly conventions: Conventions;
  readonly prefix: string;
}): ConformanceHarness {
  let sequence = 0;
  const finish = (wfe: WorkflowExecution, code: number) => {
    const control = wfe.spec.parameters?.CONTROL as string;
    writeFileSync(`${control}.tmp`, String(code));
    renameSync(`${control}.tmp`, control);
  };
  return {
    executor: options.executor,
    namespace: 'roundhouse-workflows',
    settleTimeoutMs: patience.timeout,
    pollIntervalMs: 100,
    makeExecution({ name, targetResource } = {}) {
      sequence += 1;
      const id = `${options.prefix}-${sequence}`;
      return {
        metadata: { name: name ?? `conformance-${id}`, namespace: 'team-a' },
        spec: {
          workflowRef: {
            workflowId: 'wait-for-control',
            version: '1',
            executionBundle: '/bin/sh',
            engineConfig: {
              args: [
                '-c',
                'until [ -s "$CONTROL" ]; do sleep 0.05; done; exit "$(cat "$CONTROL")"',
              ],
            },
          },
          targetResource: targetResource ?? `team-a/deployment/${id}`,
          parameters: { CONTROL: join(options.controlDir, id) },
          executionEngine: options.engine,
        },
      };
    },
    driveToSuccess: async (wfe) => finish(wfe, 0),
    driveToFailure: async (wfe) => finish(wfe, 3),
  };
}
