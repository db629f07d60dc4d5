import type { KubeObject } from '../kube-client.js';
import { UnsupportedByMemoryKubeClient } from './unsupported.js';

/**
 * Whether `object` passes a list's label and field selectors, for the selectors an engine's
 * lists use: terms ANDed by commas; label terms `k=v`, `k==v`, `k!=v` (an object without `k`
 * passes, as on the API server), `k` and `!k`; field terms `path=v`, `path==v` and `path!=v`
 * on any dotted path of the object, a missing field reading as the empty string. The API server
 * accepts only a few field paths a kind, and set-based label terms (`in`, `notin`); a selector
 * this cannot judge throws rather than matching wrongly.
 */
export function matchesSelectors(
  object: KubeObject,
  selectors: { labelSelector?: string | undefined; fieldSelector?: string | undefined },
): boolean {
  const labels = object.metadata?.labels ?? {};
  const labelsPass = terms(selectors.labelSelector).every((term) =>
    matchesTerm(term, labels[keyOf(term)], 'label selector'),
  );
  return (
    labelsPass &&
    terms(selectors.fieldSelector).every((term) =>
      matchesTerm(term, fieldAt(object, keyOf(term)) ?? '', 'field selector'),
    )
  );
}

const terms = (selector: string | undefined) =>
  (selector ?? '')
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '');

const comparison = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/;
const existence = /^(!?)([^=!\s()]+)$/;

function keyOf(term: string): string {
  return comparison.exec(term)?.[1] ?? existence.exec(term)?.[2] ?? '';
}

function matchesTerm(term: string, value: string | undefined, kind: string): boolean {
  const compared = comparison.exec(term);
  if (compared) {
    const equal = value === compared[3];
    return compared[2] === '!=' ? !equal : equal;
  }
  const exists = existence.exec(term);
  if (exists && kind === 'label selector') return (value !== undefined) !== (exists[1] === '!');
  throw new UnsupportedByMemoryKubeClient(`the ${kind} term "${term}"`);
}

function fieldAt(object: KubeObject, path: string): string | undefined {
  let at: unknown = object;
  for (const step of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return at === undefined || at === null ? undefined : String(at);
}
