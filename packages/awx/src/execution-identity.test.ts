import { kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { executionIdentity, isJobOf, isLaunchOf, markerVariable } from './execution-identity.js';

const identity = executionIdentity({ metadata: { name: 'w', namespace: 'team-a', uid: 'u-1' } });

describe('executionIdentity', () => {
  it('includes the uid, so a re-created execution is another one', () => {
    const again = executionIdentity({ metadata: { name: 'w', namespace: 'team-a', uid: 'u-2' } });
    expect(identity.id).toBe('team-a/w/u-1');
    expect(identity.key).toMatch(/^[0-9a-f]{16}$/);
    expect(again.key).not.toBe(identity.key);
    expect(executionIdentity({ metadata: { name: 'w', namespace: 'team-a' } }).id).toBe('team-a/w');
  });

  it('names the marker after the conventions', () => {
    expect(markerVariable(roundhouseConventions)).toBe('ROUNDHOUSE_EXECUTION_ID');
    expect(markerVariable(kubernautConventions)).toBe('KUBERNAUT_EXECUTION_ID');
  });
});

describe('job ownership', () => {
  const vars = (v: Record<string, unknown>) => JSON.stringify(v);

  it('recognises a launch by its marker only', () => {
    expect(
      isLaunchOf(
        vars({ ROUNDHOUSE_EXECUTION_ID: 'team-a/w/u-1' }),
        identity,
        roundhouseConventions,
      ),
    ).toBe(true);
    expect(
      isLaunchOf(
        vars({ ROUNDHOUSE_EXECUTION_ID: 'team-a/w/u-2' }),
        identity,
        roundhouseConventions,
      ),
    ).toBe(false);
    expect(
      isLaunchOf(vars({ WFE_NAME: 'w', WFE_NAMESPACE: 'team-a' }), identity, roundhouseConventions),
    ).toBe(false);
    expect(isLaunchOf('not json', identity, roundhouseConventions)).toBe(false);
  });

  it("reads the marker beside the NaN and Infinity of Python's json.dumps, but not inside a string", () => {
    const text =
      '{"limit": Infinity, "low": -Infinity, "ratio": NaN, "note": "NaN \\" Infinity", ' +
      '"ROUNDHOUSE_EXECUTION_ID": "team-a/w/u-1"}';
    expect(isLaunchOf(text, identity, roundhouseConventions)).toBe(true);
    expect(isJobOf(text, identity, roundhouseConventions)).toBe(true);
    const named = executionIdentity({ metadata: { name: 'Infinity', namespace: 'NaN', uid: 'u' } });
    const quoted = '{"x": NaN, "ROUNDHOUSE_EXECUTION_ID": "NaN/Infinity/u"}';
    expect(isLaunchOf(quoted, named, roundhouseConventions)).toBe(true);
  });

  it('also owns an unmarked job with its name, as kubernaut launches them', () => {
    expect(
      isJobOf(vars({ WFE_NAME: 'w', WFE_NAMESPACE: 'team-a' }), identity, roundhouseConventions),
    ).toBe(true);
    expect(
      isJobOf(vars({ WFE_NAME: 'w', WFE_NAMESPACE: 'team-b' }), identity, roundhouseConventions),
    ).toBe(false);
    expect(
      isJobOf(
        vars({ WFE_NAME: 'w', WFE_NAMESPACE: 'team-a', ROUNDHOUSE_EXECUTION_ID: 'team-a/w/old' }),
        identity,
        roundhouseConventions,
      ),
    ).toBe(false);
    expect(isJobOf('[]', identity, roundhouseConventions)).toBe(false);
  });
});
