import {
  ConfigurationError,
  type Dependencies,
  ExecutionForbiddenError,
  isDns1123Subdomain,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeObject, type Reader, type ResourceType, resources } from '@roundhouse/kube';
import { allowsNamespace, type ExecutionPolicy } from './execution-policy.js';

type DataObject = KubeObject & {
  data?: Record<string, string> | undefined;
  binaryData?: Record<string, string> | undefined;
};

const kinds: readonly {
  readonly field: 'secrets' | 'configMaps';
  readonly type: ResourceType;
}[] = [
  { field: 'secrets', type: resources.secrets },
  { field: 'configMaps', type: resources.configMaps },
];

/**
 * Checks an execution's dependencies before anything is created. Every name must be an object
 * name before any is read (`..` is not one). With the opt-in on, each Secret and ConfigMap
 * must exist in the execution namespace and have opted in to the execution's namespace, else
 * ExecutionForbiddenError: the controller's right to read it must not stand in for its
 * author's, and a missing dependency is refused with the very same error, so an author learns
 * nothing about objects they may not use, not even whether they exist. Only then is a
 * dependency without data a ConfigurationError (nothing must wait forever on a mount). Reads
 * go live: Secrets are never cached in the controller's memory. Errors name each dependency
 * under `field`, where the execution listed them.
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
    field = 'spec.dependencies',
  ): Promise<void> {
    const refs = kinds.flatMap(({ field: list, type }) =>
      (dependencies?.[list] ?? []).map(({ name }, index) => ({
        type,
        name,
        path: `${field}.${list}[${index}]`,
      })),
    );
    const invalid = refs.filter(({ name }) => !isDns1123Subdomain(name));
    if (invalid.length) {
      throw new ConfigurationError(
        invalid.map(({ type, name, path }) => ({
          path: `${path}.name`,
          message: `"${name}" is not a ${type.kind} name (a lowercase DNS-1123 subdomain)`,
        })),
      );
    }
    const namespace = wfe.metadata.namespace;
    const optIn = this.policy.dependencyOptIn;
    for (const { type, name, path } of refs) {
      const object = await this.reader.get<DataObject>(type, executionNamespace, name, { signal });
      const what = `${type.kind} "${name}" in namespace ${executionNamespace}`;
      if (
        optIn &&
        (!object || !allowsNamespace(object.metadata?.annotations, optIn.annotation, namespace))
      ) {
        throw new ExecutionForbiddenError(
          path,
          `dependency ${what} does not exist or does not allow WorkflowExecutions from namespace ${namespace}; its owner creates it there and opts in with the annotation ${optIn.annotation}: "${namespace}"`,
        );
      }
      if (!object) {
        throw new ConfigurationError({ path, message: `dependency ${what} does not exist` });
      }
      const entries =
        Object.keys(object.data ?? {}).length + Object.keys(object.binaryData ?? {}).length;
      if (entries === 0) {
        throw new ConfigurationError({ path, message: `dependency ${what} has no data` });
      }
    }
  }
}
