import type { KubeObject } from '@roundhouse/kube';

/**
 * What the TaskAction informer keeps of an action: everything but `metadata.managedFields` and
 * `metadata.annotations`. The controller reads no annotation of an action, and an author may
 * put 256 KiB of them on each (kubectl's last-applied-configuration alone repeats the whole
 * spec), which the one controller shared by every namespace would otherwise hold for as long
 * as the action exists. The spec stays: the attempt is built and judged from the cached copy.
 * Every write of an action is a merge patch of the fields it changes or a status write, so
 * what the cache leaves out is never written back.
 */
export function cachedAction(obj: KubeObject): KubeObject {
  const metadata = obj.metadata;
  if (!metadata || (!('managedFields' in metadata) && !('annotations' in metadata))) return obj;
  const {
    managedFields: _managedFields,
    annotations: _annotations,
    ...kept
  } = metadata as Record<string, unknown>;
  return { ...obj, metadata: kept } as KubeObject;
}
