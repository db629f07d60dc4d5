/**
 * One term of an equality-based label selector: `k=v` / `k==v` (equals), `k!=v` (an object
 * without `k` matches too, as on the API server), `k` (exists), `!k` (does not exist).
 */
export type Requirement =
  | { readonly key: string; readonly op: 'equals' | 'notEquals'; readonly value: string }
  | { readonly key: string; readonly op: 'exists' | 'notExists' };

// Label keys are an optional DNS-subdomain prefix and a name; values are names or empty.
const name = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const keyPattern = new RegExp(`^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?${name}$`);
const valuePattern = new RegExp(`^(?:${name})?$`);

/**
 * The requirements of an equality-based selector (terms ANDed by commas; empty selects
 * everything), or `undefined` for anything else: set-based terms (`in`, `notin`), comparisons,
 * or invalid keys and values, which only the API server should judge.
 */
export function parseLabelSelector(selector: string | undefined): Requirement[] | undefined {
  if (selector === undefined || selector.trim() === '') return [];
  const requirements: Requirement[] = [];
  for (const term of selector.split(',')) {
    const requirement = parseTerm(term.trim());
    if (!requirement) return undefined;
    requirements.push(requirement);
  }
  return requirements;
}

function parseTerm(term: string): Requirement | undefined {
  const comparison = /^([^=!]+)(==|=|!=)([^=!]*)$/.exec(term);
  if (comparison) {
    const key = (comparison[1] as string).trim();
    const value = (comparison[3] as string).trim();
    if (!keyPattern.test(key) || !valuePattern.test(value)) return undefined;
    return { key, op: comparison[2] === '!=' ? 'notEquals' : 'equals', value };
  }
  const absent = term.startsWith('!');
  const key = (absent ? term.slice(1) : term).trim();
  if (!keyPattern.test(key)) return undefined;
  return { key, op: absent ? 'notExists' : 'exists' };
}

export function matchesLabels(
  requirements: readonly Requirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return requirements.every((requirement) => satisfies(requirement, labels?.[requirement.key]));
}

function satisfies(requirement: Requirement, value: string | undefined): boolean {
  switch (requirement.op) {
    case 'equals':
      return value === requirement.value;
    case 'notEquals':
      return value !== requirement.value;
    case 'exists':
      return value !== undefined;
    case 'notExists':
      return value === undefined;
  }
}

/**
 * Whether every object `narrower` selects is also selected by `wider`: each requirement of
 * `wider` follows from one of `narrower`. A cache holding what `wider` selects then has every
 * object `narrower` asks for.
 */
export function selectorImplies(
  narrower: readonly Requirement[],
  wider: readonly Requirement[],
): boolean {
  return wider.every((needed) => narrower.some((given) => requirementImplies(given, needed)));
}

function requirementImplies(given: Requirement, needed: Requirement): boolean {
  if (given.key !== needed.key) return false;
  switch (needed.op) {
    case 'equals':
      return given.op === 'equals' && given.value === needed.value;
    case 'exists':
      return given.op === 'equals' || given.op === 'exists';
    case 'notExists':
      return given.op === 'notExists';
    case 'notEquals':
      if (given.op === 'equals') return given.value !== needed.value;
      if (given.op === 'notEquals') return given.value === needed.value;
      return given.op === 'notExists';
  }
}
