import { storedObjectBytes } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';

/**
 * The one annotation a cached action carries: how many bytes the annotations the cache left
 * out take in the stored object, so that `statusWithin` still sizes the action as stored.
 */
export const omittedAnnotationBytesKey = 'roundhouse.dev/cache-omitted-annotation-bytes';

/**
 * What the TaskAction informer keeps of an action: everything but `metadata.managedFields` and
 * the annotations, which become their size (`omittedAnnotationBytesKey`). The controller reads
 * no annotation of an action, and an author may put 256 KiB of them on each (kubectl's
 * last-applied-configuration alone repeats the whole spec), which the one controller shared by
 * every namespace would otherwise hold for as long as the action exists. The spec stays: the
 * attempt is built and judged from the cached copy. Every write of an action is a merge patch
 * of the fields it changes or a status write, so what the cache leaves out is never written.
 */
export function cachedAction(obj: KubeObject): KubeObject {
  const metadata = obj.metadata;
  if (!metadata || (!('managedFields' in metadata) && !('annotations' in metadata))) return obj;
  const {
    managedFields: _managedFields,
    annotations,
    ...kept
  } = metadata as Record<string, unknown> & { annotations?: Record<string, string> | undefined };
  if (annotations === undefined) return { ...obj, metadata: kept } as KubeObject;
  const bytes =
    storedObjectBytes({ metadata: { annotations } }) - storedObjectBytes({ metadata: {} });
  return {
    ...obj,
    metadata: { ...kept, annotations: { [omittedAnnotationBytesKey]: String(bytes) } },
  } as KubeObject;
}

/** The bytes of annotations `cachedAction` left out of `obj`; 0 for an object read whole. */
export function omittedAnnotationBytes(obj: KubeObject): number {
  const value = Number(obj.metadata?.annotations?.[omittedAnnotationBytesKey]);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
