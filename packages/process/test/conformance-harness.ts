import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Conventions,
  type Executor,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
  WorkflowExecutionSchema,
} from '@roundhouse/core';
import {
  type ConformanceHarness,
  describeExecutorConformance,
} from '@roundhouse/core/testing/conformance';
import { describe, expect, it } from 'vitest';
import { patience, writeBundle } from './support.js';

/**
 * The conformance harness shared by the `process` and `agent` engines. Each execution runs a
 * script bundle that waits for its `CONTROL` file (a parameter, so it reaches the task through the
 * environment like any parameter) and exits with the code written there. The bundle is a file
 * under the engine's `bundleRoot`, named relative to it (`conformance/<prefix>-wait-for-control`),
 * and every execution is one the API server would take: the CRD refuses an absolute bundle.
 */
export function processConformanceHarness(options: {
  readonly executor: Executor;
  /** The engine's `bundleRoot`, where the harness writes its bundle. */
  readonly bundleRoot: string;
  /** Where the `CONTROL` files go. */
  readonly controlDir: string;
  readonly engine: string;
  readonly conventions: Conventions;
  readonly prefix: string;
}): ConformanceHarness {
  let sequence = 0;
  const bundle = `conformance/${options.prefix}-wait-for-control`;
  mkdirSync(join(options.bundleRoot, 'conformance'), { recursive: true });
  writeBundle(
    join(options.bundleRoot, bundle),
    'until [ -s "$CONTROL" ]; do sleep 0.05; done; exit "$(cat "$CONTROL")"',
  );
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
      return WorkflowExecutionSchema.parse({
        metadata: { name: name ?? `conformance-${id}`, namespace: 'team-a', uid: `uid-${id}` },
        spec: {
          workflowRef: {
            workflowId: 'wait-for-control',
            version: '1',
            executionBundle: bundle,
          },
          targetResource: targetResource ?? `team-a/deployment/${id}`,
          parameters: { CONTROL: join(options.controlDir, id) },
          executionEngine: options.engine,
        },
      });
    },
    driveToSuccess: async (wfe) => finish(wfe, 0),
    driveToFailure: async (wfe) => finish(wfe, 3),
  };
}

/**
 * The conformance suite for a process-backed engine under both label presets, plus a check
 * that its task carries the preset's owner labels. Call inside a `describe` whose `beforeAll`
 * makes what `executor` needs: the harness is made on first use, one per preset, so its
 * sequence of targets keeps counting across checks and no two checks share a lock.
 */
export function describeProcessEngineConformance(options: {
  readonly engine: string;
  /** The directory the engine's `bundleRoot` names; the harness writes its bundle there. */
  readonly bundleRoot: string;
  readonly controlDir: string;
  /** The engine under test, built with these conventions and this `bundleRoot`. */
  readonly executor: (settings: {
    readonly conventions: Conventions;
    readonly bundleRoot: string;
  }) => Executor;
  /** The labels of the task named `resourceName`, as the engine's backend holds them. */
  readonly labelsOf: (resourceName: string) => Promise<Record<string, string> | undefined>;
}): void {
  const presets: [string, Conventions][] = [
    ['roundhouse', roundhouseConventions],
    ['kubernaut', kubernautConventions],
  ];
  for (const [preset, conventions] of presets) {
    describe(`with the ${preset} conventions`, () => {
      let made: ConformanceHarness | undefined;
      const harness = () =>
        (made ??= processConformanceHarness({
          executor: options.executor({ conventions, bundleRoot: options.bundleRoot }),
          bundleRoot: options.bundleRoot,
          controlDir: options.controlDir,
          engine: options.engine,
          conventions,
          prefix: `${options.engine}-${preset}`,
        }));

      describeExecutorConformance(`${options.engine} (${preset})`, harness);

      it(`labels its task with the ${conventions.labelPrefix} owner labels`, async () => {
        const h = harness();
        const wfe = h.makeExecution();
        const { resourceName } = await h.executor.create(wfe, h.namespace);
        expect(await options.labelsOf(resourceName)).toMatchObject({
          [`${conventions.labelPrefix}workflow-execution`]: wfe.metadata.name,
          [`${conventions.labelPrefix}source-namespace`]: wfe.metadata.namespace,
        });
        await h.executor.cleanup(wfe, h.namespace);
      });
    });
  }
}
