import { executionResourceName, roundhouseConventions } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { madeUnderAnotherPrefix } from './renamed-resource.js';

describe('madeUnderAnotherPrefix', () => {
  const target = 'team-a/deployment/app';
  const watches = [{ resource: resources.jobs, conventions: roundhouseConventions }];

  it('tells a name of an older prefix from the one the watch gives the target today', () => {
    expect(madeUnderAnotherPrefix(watches, target, executionResourceName(target))).toBe(false);
    expect(madeUnderAnotherPrefix(watches, target, 'old-0123456789abcdef')).toBe(true);
    // Today's name of another target is not this one's.
    expect(madeUnderAnotherPrefix(watches, target, executionResourceName('team-a/pod/x'))).toBe(
      true,
    );
  });

  it('takes the create of an engine that declares no watch at its word', () => {
    expect(madeUnderAnotherPrefix(undefined, target, 'old-0123456789abcdef')).toBe(false);
  });
});
