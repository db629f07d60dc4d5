import { ConfigurationError } from '@roundhouse/core';
import { type Reader, type ResourceType, resources } from '@roundhouse/kube';
import { decodeSecretData, type SecretValues } from './credential-plan.js';
import { DependencyObjectSchema } from './dependencies.js';
import type { ConfigMapValues } from './extra-vars-plan.js';

/**
 * Reads an execution's ConfigMap and Secret dependencies from the execution namespace; a
 * missing one is a ConfigurationError naming it by its place in the dependency list.
 */
export class DependencyReader {
  readonly #kube: Reader;

  constructor(kube: Reader) {
    this.#kube = kube;
  }

  async configMaps(
    namespace: string,
    names: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<ConfigMapValues[]> {
    const values: ConfigMapValues[] = [];
    for (const [index, name] of names.entries()) {
      const object = await this.#read(resources.configMaps, namespace, name, index, signal);
      values.push({ name, data: object.data ?? {} });
    }
    return values;
  }

  async secrets(
    namespace: string,
    names: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<SecretValues[]> {
    const values: SecretValues[] = [];
    for (const [index, name] of names.entries()) {
      const object = await this.#read(resources.secrets, namespace, name, index, signal);
      const data = decodeSecretData(name, index, object.data);
      values.push({ name, data, resourceVersion: object.metadata?.resourceVersion });
    }
    return values;
  }

  async #read(
    type: ResourceType,
    namespace: string,
    name: string,
    index: number,
    signal: AbortSignal | undefined,
  ) {
    const object = await this.#kube.get(type, namespace, name, { signal });
    const kind = type === resources.secrets ? 'secrets' : 'configMaps';
    if (!object) {
      throw new ConfigurationError({
        path: `dependencies.${kind}[${index}].name`,
        message: `${type.kind} ${name} does not exist in namespace ${namespace}`,
      });
    }
    return DependencyObjectSchema.parse(object);
  }
}
