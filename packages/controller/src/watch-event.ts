import { z } from 'zod';

/** The part of a listed or watched object the cache relies on. */
export const CachedObjectSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().min(1),
  }),
});

/** A bookmark carries only a resourceVersion to resume from. */
export const BookmarkSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().min(1) }),
});
