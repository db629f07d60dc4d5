import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import { z } from 'zod';

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

// A label key and value (`[prefix/]name`, value possibly empty), as a taint's key and value are.
const keyPattern =
  /^(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const valuePattern = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * One toleration as an operator writes it on the command line, the way `kubectl taint` writes
 * a taint: `key=value:Effect` (Equal), `key:Effect` or `key` (Exists, any value; without an
 * effect, every effect), or `*` for every taint. Undefined for text that is none of these.
 */
export function parseToleration(text: string): V1Toleration | undefined {
  if (text === '*') return { operator: 'Exists' };
  const colon = text.lastIndexOf(':');
  const effect = colon < 0 ? undefined : text.slice(colon + 1);
  if (effect !== undefined && !(effects as readonly string[]).includes(effect)) return undefined;
  const taint = colon < 0 ? text : text.slice(0, colon);
  const equals = taint.indexOf('=');
  const key = equals < 0 ? taint : taint.slice(0, equals);
  const value = equals < 0 ? undefined : taint.slice(equals + 1);
  if (!keyPattern.test(key) || (value !== undefined && !valuePattern.test(value))) return undefined;
  return {
    key,
    ...(value === undefined ? { operator: 'Exists' } : { operator: 'Equal', value }),
    ...(effect ? { effect } : {}),
  };
}

/** `--job-tolerations`: a comma-separated list of `parseToleration`'s forms. */
export const TolerationListSettingSchema = z.string().transform((text, ctx) =>
  text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .flatMap((entry) => {
      const toleration = parseToleration(entry);
      if (toleration) return [toleration];
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" is no toleration: write key=value:Effect, key:Effect, key or *, the effect one of ${effects.join(', ')}`,
      });
      return [];
    }),
);

/** Whether `toleration` tolerates `taint`, as the scheduler and the kubelet decide it. */
export function toleratesTaint(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}
