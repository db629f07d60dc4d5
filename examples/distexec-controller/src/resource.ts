import { type ResourceType, toLabelValue } from '@roundhouse/core';

export const group = 'roundhouse.dev';
export const version = 'v1alpha1';
export const kind = 'DistExec';
export const plural = 'distexecs';

/** DistExecs as the API serves them. */
export const distExecs: ResourceType = Object.freeze({
  group,
  version,
  kind,
  plural,
  namespaced: true,
});

/** Nodes: `@roundhouse/kube`'s table has no cluster-scoped core kinds but Namespaces. */
export const nodes: ResourceType = Object.freeze({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
});

export const finalizerPrefix = 'distexec.roundhouse.dev/';

/**
 * The finalizer a node holds on a DistExec while it runs the command, so deleting the
 * DistExec waits until that node has stopped it. Its name part is the node's name when that
 * fits (63 characters, as every node name of a cloud provider does), else a hashed form.
 */
export function nodeFinalizer(node: string): string {
  return `${finalizerPrefix}${toLabelValue(node)}`;
}

/** The finalizer the Job-per-node controller holds while any of a DistExec's Jobs may run. */
export const jobsFinalizer = `${finalizerPrefix}jobs`;
