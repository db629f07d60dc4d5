import type { KubeConfig } from '@kubernetes/client-node';
import { type Created, KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { vi } from 'vitest';

/** Whether a patch is the finalizer write (the status writes go to the status subresource). */
export const isFinalizerPatch = (type: unknown, options: unknown) =>
  type === workflowExecutions &&
  (options as { subresource?: string } | undefined)?.subresource === undefined;

/**
 * A client for the controller whose finalizer writes go through `write`, given the write itself
 * to send (or not); its other patches go straight through.
 */
export function interceptFinalizerWrites(
  kubeConfig: KubeConfig,
  write: (
    send: () => Promise<KubeObject>,
    target: { namespace: string; name: string },
  ) => Promise<KubeObject>,
): KubeClient {
  const writer = new KubeClient(kubeConfig);
  const patch = writer.patch.bind(writer);
  vi.spyOn(writer, 'patch').mockImplementation(async (type, namespace, name, body, options) => {
    const send = () => patch(type, namespace, name, body, options);
    return isFinalizerPatch(type, options)
      ? write(send, { namespace: namespace as string, name })
      : send();
  });
  return writer;
}

/**
 * A client for an engine whose Job creates go through `create`, given the Job and the create
 * itself to send; its other creates go straight through.
 */
export function interceptJobCreates(
  kubeConfig: KubeConfig,
  create: (
    send: () => Promise<Created<KubeObject>>,
    job: KubeObject,
  ) => Promise<Created<KubeObject>>,
): KubeClient {
  const creator = new KubeClient(kubeConfig);
  const send = creator.create.bind(creator);
  vi.spyOn(creator, 'create').mockImplementation(async (type, namespace, body, options) => {
    const created = () => send(type, namespace, body, options);
    return type === resources.jobs ? create(created, body) : created();
  });
  return creator;
}
