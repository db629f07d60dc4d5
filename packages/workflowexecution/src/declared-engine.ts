/*
 * Whether an execution names its engine. Roundhouse's own CRD takes none as `tekton`, and so
 * did kubernaut's until its #518, whose CRD gave spec.executionEngine that default. Since its
 * #1661 kubernaut's execution names the engine in the workflow's catalog snapshot
 * (spec.workflowRef.executionEngine), which its CRD leaves optional and without a default, and
 * its controller fails an execution without one before anything is created
 * (validateExecutionEngineResolved, internal/controller/workflowexecution/
 * workflowexecution_catalog.go): running it as `tekton` would run a workflow kubernaut refuses.
 */
import { ConfigurationError } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';

/** The groups whose executions must name their engine: kubernaut's, whose CRD has no default. */
const engineRequiredGroups: ReadonlySet<string> = new Set(['kubernaut.ai']);

/** Whether executions served under `group` must name their engine (see the file's comment). */
export function engineRequiredUnder(group: string): boolean {
  return engineRequiredGroups.has(group);
}

/** An execution that names no engine where one is required, refused before anything is made. */
export class EngineNotDeclaredError extends ConfigurationError {
  constructor(namespace: string, name: string) {
    // kubernaut's words (validateExecutionEngineResolved): tools reading its failures match them.
    super({
      path: 'spec.workflowRef.executionEngine',
      message: `execution engine not declared for WFE ${namespace}/${name} — expected on spec.workflowRef at creation time`,
    });
  }
}

/**
 * EngineNotDeclaredError when `object`, as stored, names its engine neither in
 * spec.workflowRef.executionEngine nor in spec.executionEngine; read from the stored object
 * because the parsed spec has taken the absent engine as `tekton` already.
 */
export function undeclaredEngine(object: KubeObject): EngineNotDeclaredError | undefined {
  const { spec } = object as {
    spec?:
      | {
          executionEngine?: unknown;
          workflowRef?: { executionEngine?: unknown } | undefined;
        }
      | undefined;
  };
  const named = (value: unknown) => typeof value === 'string' && value !== '';
  if (named(spec?.workflowRef?.executionEngine) || named(spec?.executionEngine)) return undefined;
  return new EngineNotDeclaredError(object.metadata?.namespace ?? '', object.metadata?.name ?? '');
}
