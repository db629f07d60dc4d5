import {
  ConfigurationError,
  type Dependencies,
  ExecutionForbiddenError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeObject, type Reader, type ResourceType, resources } from '@roundhouse/kube';
import { allowsNamespace, type ExecutionPolicy } from './execution-policy.js';

type DataObject = KubeObject & {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
};

const kinds: readonly {
  readonly field: 'secrets' | 'configMaps';
  readonly type: ResourceType;
}[] = [
  { field: 'secrets', type: resources.secrets },
  { field: 'configMaps', type: resources.configMaps },
];

/**
 * Checks an execution's dependencies before anything is created: each Secret and ConfigMap
 * must exist in the execution namespace with data (else ConfigurationError, so nothing waits
 * forever on a mount), and must have opted in to the execution's namespace (else
 * ExecutionForbiddenError): the controller's right to read it must not stand in for its
 * author's. Reads go live: Secrets are never cached in the controller's memory.
 */
export class DependencyCheck {
  constructor(
    private readonly reader: Reader,
    private readonly policy: ExecutionPolicy,
  ) {}

  async verify(
    wfe: WorkflowExecution,
    dependencies: Dependencies | undefined,
    executionNamespace: string,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const { field, type } of kinds) {
      for (const [index, { name }] of (dependencies?.[field] ?? []).entries()) {
        const path = `spec.dependencies.${field}[${index}]`;
        const object = await this.reader.get<DataObject>(type, executionNamespace, name, {
          signal,
        });
        const what = `${type.kind} "${name}" in namespace ${executionNamespace}`;
        if (!object) {
          throw new ConfigurationError({ path, message: `dependency ${what} does not exist` });
        }
        const entries =
          Object.keys(object.data ?? {}).length + Object.keys(object.binaryData ?? {}).length;
        if (entries === 0) {
          throw new ConfigurationError({ path, message: `dependency ${what} has no data` });
        }
        const optIn = this.policy.dependencyOptIn;
        if (
          optIn &&
          !allowsNamespace(object.metadata?.annotations, optIn.annotation, wfe.metadata.namespace)
        ) {
          throw new ExecutionForbiddenError(
            path,
            `dependency ${what} does not allow WorkflowExecutions from namespace ${wfe.metadata.namespace}; its owner opts in with the annotation ${optIn.annotation}: "${wfe.metadata.namespace}"`,
          );
        }
      }
    }
  }
}
