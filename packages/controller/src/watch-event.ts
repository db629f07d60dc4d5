import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

/**
 * Whether a listed or watched object has what the cache relies on: a name, a resourceVersion
 * and, when present, a string namespace and uid. Checked by hand rather than by a schema
 * because it runs on every event of every watched object.
 */
export function isCacheable(obj: unknown): boolean {
  const metadata = (obj as KubeObject | null)?.metadata;
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata.name === 'string' &&
    metadata.name !== '' &&
    typeof metadata.resourceVersion === 'string' &&
    metadata.resourceVersion !== '' &&
    (metadata.namespace === undefined || typeof metadata.namespace === 'string') &&
    (metadata.uid === undefined || typeof metadata.uid === 'string')
  );
}

/** A bookmark carries only a resourceVersion to resume from. */
export const BookmarkSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().min(1) }),
});
