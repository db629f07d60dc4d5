import { describe, expect, it } from 'vitest';
import { roundTripsBetween } from './go-reference.js';

describe('roundTripsBetween', () => {
  const lines = [
    '1000\tPATCH\t/apis/roundhouse.dev/v1alpha1/namespaces/w/workflowexecutions/wfe-0/status\t12.500',
    '1001\tPOST\t/apis/batch/v1/namespaces/e/jobs\t30.250',
    '1002\tGET\t/apis/batch/v1\t1.000',
    '2000\tPATCH\t/apis/roundhouse.dev/v1alpha1/namespaces/w/workflowexecutions/wfe-1\t9.000',
    '',
  ].join('\n');

  it('reads each answer in the window as the probe reports its own', () => {
    expect(roundTripsBetween(lines, 999, 1500)).toEqual([
      ['PATCH', '/apis/roundhouse.dev/v1alpha1/namespaces/w/workflowexecutions/wfe-0/status', 12.5],
      ['POST', '/apis/batch/v1/namespaces/e/jobs', 30.25],
      ['GET', '/apis/batch/v1', 1],
    ]);
  });

  it('leaves out answers at or before the window start and after its end', () => {
    expect(roundTripsBetween(lines, 1001, 2000)).toEqual([
      ['GET', '/apis/batch/v1', 1],
      ['PATCH', '/apis/roundhouse.dev/v1alpha1/namespaces/w/workflowexecutions/wfe-1', 9],
    ]);
    expect(roundTripsBetween(lines, 2000, 3000)).toEqual([]);
  });

  it('skips a line cut short, as the last one can be while the reference writes it', () => {
    expect(roundTripsBetween('1000\tPOST\t/apis/batch/v1/namespaces/e/jo', 0, 2000)).toEqual([]);
  });
});
