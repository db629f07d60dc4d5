import { z } from 'zod';

/** A Kubernetes qualified name, optionally under a DNS-subdomain prefix (`example.com/name`). */
const namePart = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const prefixPart = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * As the API server judges an annotation key (ValidateAnnotations): a qualified name once
 * lowercased, since an annotation key's case, unlike a label key's, does not matter.
 */
function isAnnotationKey(written: string): boolean {
  const key = written.toLowerCase();
  const slash = key.lastIndexOf('/');
  if (slash < 0) return namePart.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && prefixPart.test(prefix) && namePart.test(key.slice(slash + 1));
}

/**
 * Annotations every attempt's pod carries (Flyte's k8s plugin `default-annotations`): a
 * comma-separated `key=value` list, judged here so that a bad key stops the controller at start
 * instead of failing every Job create.
 */
export const PodAnnotationsSchema = z.string().transform((text, ctx) => {
  const annotations: Record<string, string> = {};
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    const equals = entry.indexOf('=');
    const key = equals < 0 ? entry : entry.slice(0, equals);
    if (equals < 0 || !isAnnotationKey(key)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" is not key=value with a Kubernetes annotation key`,
      });
      return z.NEVER;
    }
    annotations[key] = entry.slice(equals + 1);
  }
  return annotations;
});
