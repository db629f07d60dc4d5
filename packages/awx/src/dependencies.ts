import {
  ConfigurationError,
  type Dependencies,
  type FieldIssue,
  isDns1123Subdomain,
} from '@roundhouse/core';
import { z } from 'zod';

/** The part of a ConfigMap or Secret the engine reads: `data` (base64 in a Secret), its version. */
export const DependencyObjectSchema = z.object({
  metadata: z.object({ resourceVersion: z.string().optional() }).optional(),
  data: z.record(z.string(), z.string()).optional(),
});

export type DependencyObject = z.infer<typeof DependencyObjectSchema>;

/**
 * The Secret and ConfigMap names of a create, checked before anything is read: each must be a
 * DNS-1123 subdomain and appear once per kind, since each becomes one credential or one set
 * of variables.
 */
export function dependencyNames(dependencies: Dependencies | undefined): {
  secrets: string[];
  configMaps: string[];
} {
  const issues: FieldIssue[] = [];
  const check = (kind: 'secrets' | 'configMaps') => {
    const seen = new Set<string>();
    return (dependencies?.[kind] ?? []).map(({ name }, index) => {
      const path = `dependencies.${kind}[${index}].name`;
      if (!isDns1123Subdomain(name)) {
        issues.push({ path, message: `"${name}" is not a valid object name (DNS-1123 subdomain)` });
      } else if (seen.has(name)) {
        issues.push({ path, message: `"${name}" is listed twice` });
      }
      seen.add(name);
      return name;
    });
  };
  const names = { secrets: check('secrets'), configMaps: check('configMaps') };
  if (issues.length > 0) throw new ConfigurationError(issues);
  return names;
}
