import type { KubeClient } from '@roundhouse/kube';

/**
 * The resourceVersion the API server answered each of this process's Job creates with, kept
 * from the answer until the reconcile that sent the create settles its slot (`take`): the
 * executor's answer names the Job only, and the version is what tells the namespace's room
 * once the Job informer is current past the create (`NamespaceJobRoom`). Read from answers
 * the process gets anyway, so it costs no request.
 */
export class JobCreateAnswers {
  readonly #versions = new Map<string, string>();

  /** `client`, whose answers to Job creates are kept here; everything else is `client`'s. */
  recording(client: KubeClient): KubeClient {
    const versions = this.#versions;
    const create: KubeClient['create'] = async (type, namespace, body, options) => {
      const created = await client.create(type, namespace, body, options);
      const { name, resourceVersion } = created.object.metadata ?? {};
      if (type.group === 'batch' && type.plural === 'jobs' && name && resourceVersion) {
        versions.set(name, resourceVersion);
      }
      return created;
    };
    // A KubeClient's methods read its private fields, so they are called on the client itself.
    return new Proxy(client, {
      get(target, property) {
        if (property === 'create') return create;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** The version the create of Job `name` was answered with, handed out once. */
  take(name: string): string | undefined {
    const version = this.#versions.get(name);
    this.#versions.delete(name);
    return version;
  }
}
