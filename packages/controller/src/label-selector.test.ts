import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector, selectorImplies } from './label-selector.js';

const parsed = (selector: string) => {
  const requirements = parseLabelSelector(selector);
  if (!requirements) throw new Error(`unsupported selector ${selector}`);
  return requirements;
};

describe('parseLabelSelector', () => {
  it('reads every equality-based form, ANDed by commas', () => {
    expect(parseLabelSelector('app=x, tier==web,env!=prod,example.com/owner,!legacy')).toEqual([
      { key: 'app', op: 'equals', value: 'x' },
      { key: 'tier', op: 'equals', value: 'web' },
      { key: 'env', op: 'notEquals', value: 'prod' },
      { key: 'example.com/owner', op: 'exists' },
      { key: 'legacy', op: 'notExists' },
    ]);
  });

  it('reads an empty selector as selecting everything', () => {
    expect(parseLabelSelector(undefined)).toEqual([]);
    expect(parseLabelSelector('  ')).toEqual([]);
    expect(parseLabelSelector('app=')).toEqual([{ key: 'app', op: 'equals', value: '' }]);
  });

  it.each([
    'env in (prod,dev)',
    'env notin (prod)',
    'replicas>2',
    'a=b=c',
    'app=x,,tier=web',
    'bad key=x',
    'app=not a value',
    `app=${'v'.repeat(64)}`,
    'Example.com/app=x',
  ])('leaves %j to the API server', (selector) => {
    expect(parseLabelSelector(selector)).toBeUndefined();
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'x', env: 'dev' };

  it('matches as the API server does', () => {
    expect(matchesLabels(parsed(''), undefined)).toBe(true);
    expect(matchesLabels(parsed('app=x,env'), labels)).toBe(true);
    expect(matchesLabels(parsed('app=x,env=prod'), labels)).toBe(false);
    expect(matchesLabels(parsed('env!=prod'), labels)).toBe(true);
    expect(matchesLabels(parsed('env!=dev'), labels)).toBe(false);
    // An object without the label matches `!=`.
    expect(matchesLabels(parsed('tier!=web'), labels)).toBe(true);
    expect(matchesLabels(parsed('!tier'), labels)).toBe(true);
    expect(matchesLabels(parsed('!app'), labels)).toBe(false);
    expect(matchesLabels(parsed('tier'), labels)).toBe(false);
  });
});

describe('selectorImplies', () => {
  it.each([
    ['app=x', '', true],
    ['app=x,env=dev', 'app=x', true],
    ['app==x', 'app=x', true],
    ['app=x', 'app', true],
    ['app=x', 'app!=y', true],
    ['!app', 'app!=y', true],
    ['app!=y', 'app!=y', true],
    ['', 'app=x', false],
    ['app=y', 'app=x', false],
    ['app', 'app=x', false],
    ['app=x', 'app!=x', false],
    ['app!=z', 'app!=y', false],
    ['app', 'app!=y', false],
    ['env=dev', 'app=x', false],
  ])('%j selects only what %j selects: %s', (narrower, wider, expected) => {
    expect(selectorImplies(parsed(narrower), parsed(wider))).toBe(expected);
  });
});
