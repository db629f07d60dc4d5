import { describe, expect, it } from 'vitest';
import { execStringOverLimit, workingDirIssue } from './exec-limits.js';

describe('execStringOverLimit', () => {
  it('passes the longest string execve takes and refuses one byte more', () => {
    expect(execStringOverLimit('a'.repeat(131_071))).toBeUndefined();
    expect(execStringOverLimit('a'.repeat(131_072))).toBe(131_072);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(execStringOverLimit('é'.repeat(65_536))).toBe(131_072);
  });
});

describe('workingDirIssue', () => {
  it('takes a path chdir enters and names the limits of one it cannot', () => {
    expect(workingDirIssue(`/${'d'.repeat(255)}/x`)).toBeUndefined();
    expect(workingDirIssue(`/${'d'.repeat(256)}`)).toMatch(/255 for each part/);
    expect(workingDirIssue(`/${'d/'.repeat(2048)}`)).toMatch(/at most 4095 bytes/);
  });

  it('refuses a path of a few hundred thousand parts as too long, not with a stack overflow', () => {
    expect(workingDirIssue('/a'.repeat(200_000))).toMatch(/at most 4095 bytes/);
  });
});
