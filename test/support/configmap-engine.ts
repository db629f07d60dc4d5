import {
  type Conventions,
  type ExecutionResult,
  executionMetadata,
  executionObjectMeta,
  FailureReasonSchema,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  type KubeClient,
  type KubeObject,
  type Reader,
  ResourceExecutor,
  resources,
} from '@roundhouse/kube';

/**
 * The smallest complete engine, for tests and as the example of writing one: each execution is
 * a ConfigMap, and whoever plays the engine reports progress by writing its `data`: `phase`
 * (`Running`, `Completed` or `Failed`), a `message`, and on failure a `failureReason` (one of
 * core's FailureReason values). Everything else (the lock, adopting its own ConfigMap after a
 * crash, refusing another execution's, cleanup, and the watch that wakes the controller on
 * every change) comes from ResourceExecutor.
 */
export const configMapEngine = 'configmap';

export type ExecutionConfigMap = KubeObject & { data?: Record<string, string> };

/** The execution's ConfigMap: named for the target's lock, carrying the owner labels. */
export function buildConfigMap(
  wfe: WorkflowExecution,
  namespace: string,
  conventions: Conventions,
): ExecutionConfigMap {
  const meta = executionMetadata(wfe, configMapEngine, conventions);
  return {
    metadata: executionObjectMeta(wfe, namespace, meta, conventions),
    data: { phase: 'Running' },
  };
}

/** What the ConfigMap's data reports, as an ExecutionResult. */
export function configMapResult({ data = {} }: ExecutionConfigMap): ExecutionResult {
  const message = data.message ?? '';
  if (data.phase === 'Completed') {
    return { phase: 'Completed', reason: 'Succeeded', message, summary: { status: 'True' } };
  }
  if (data.phase === 'Failed') {
    return {
      phase: 'Failed',
      reason: 'Failed',
      message,
      summary: { status: 'False', reason: 'Failed', message },
      // A value that is not a FailureReason is left out; the controller then records Unknown.
      failureReason: FailureReasonSchema.safeParse(data.failureReason).data,
    };
  }
  return { phase: 'Running', reason: 'Running', message, summary: { status: 'Unknown' } };
}

export interface ConfigMapExecutorOptions {
  readonly conventions?: Conventions;
  /** Where status reads go; pass the controller's informer cache. Default the client. */
  readonly reader?: Reader;
}

/** The `configmap` engine; register it in a Registry like any other. */
export class ConfigMapExecutor extends ResourceExecutor<ExecutionConfigMap> {
  constructor(client: KubeClient, options: ConfigMapExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    super(
      client,
      {
        engine: configMapEngine,
        type: resources.configMaps,
        build: (wfe, namespace) => buildConfigMap(wfe, namespace, conventions),
        isFinished: ({ data }) => data?.phase === 'Completed' || data?.phase === 'Failed',
        result: async (configMap) => configMapResult(configMap),
      },
      { conventions, reader: options.reader },
    );
  }
}
