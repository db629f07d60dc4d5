import { describe, expect, it } from 'vitest';
import { isLiveState, parseEnviron, parseProcStat } from './proc-stat.js';

const fields = (comm: string, state = 'S') =>
  `4242 (${comm}) ${state} 1 4242 4200 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654321 1000 10 18446744073709551615`;

describe('/proc/<pid>/stat', () => {
  it('reads pid, state, process group, session and start time', () => {
    expect(parseProcStat(fields('sh'))).toEqual({
      pid: 4242,
      state: 'S',
      processGroup: 4242,
      session: 4200,
      startTicks: '987654321',
    });
  });

  it('counts fields from the last parenthesis, whatever the command name holds', () => {
    expect(parseProcStat(fields('a) (b c'))?.startTicks).toBe('987654321');
    expect(parseProcStat(fields('x ) Z 9 9 9'))?.state).toBe('S');
  });

  it('refuses what is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('4242 sh S 1')).toBeUndefined();
    expect(parseProcStat('4242 (sh) S 1 2')).toBeUndefined();
  });

  it('counts zombies and dead entries as not running', () => {
    expect(isLiveState('S')).toBe(true);
    expect(isLiveState('D')).toBe(true);
    expect(isLiveState('Z')).toBe(false);
    expect(isLiveState('X')).toBe(false);
  });
});

describe('/proc/<pid>/environ', () => {
  it('splits NUL-separated entries at the first "="', () => {
    expect(parseEnviron('A=1\0B=x=y\0\0junk\0C=\0')).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['C', ''],
    ]);
  });
});
