import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { addFinalizer, type FinalizerOptions } from './finalizers.js';

/** The outcome of validating an object: its parsed value, or why it can never be acted on. */
export type Validation<V, R extends string = string> =
  | { readonly valid: true; readonly value: V }
  | { readonly valid: false; readonly reason: R; readonly message: string };

/**
 * Validates `obj` and adds `finalizer` only when it is valid. An invalid object never gets the
 * finalizer: nothing was started for it, so nothing needs cleaning up, and deleting it must
 * not wait for a controller. The caller records the invalid result in the status (without
 * requeueing: only a new spec can change the verdict).
 */
export async function addFinalizerIfValid<T extends KubeObject, V, R extends string>(
  client: KubeClient,
  type: ResourceType,
  obj: T,
  finalizer: string,
  validate: (obj: T) => Validation<V, R>,
  options: FinalizerOptions = {},
): Promise<
  | { readonly valid: true; readonly value: V; readonly object: T }
  | { readonly valid: false; readonly reason: R; readonly message: string }
> {
  const validation = validate(obj);
  if (!validation.valid) return validation;
  const object = await addFinalizer(client, type, obj, finalizer, options);
  return { valid: true, value: validation.value, object };
}
