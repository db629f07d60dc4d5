import { describe, expect, it } from 'vitest';
import { asksForHelp, goBoolean, isGoInteger, normalizeGoFlags, readGoArgs } from './go-flags.js';

const kinds = new Map([
  ['data-dir', 'string'],
  ['listen-addr', 'string'],
  ['enable-sidecar-mode', 'boolean'],
] as const);

const normalized = (...argv: string[]) => normalizeGoFlags(argv, kinds);

describe("a command line read as Go's flag package reads it", () => {
  it('takes one or two dashes, a value after "=" or in the next argument', () => {
    for (const argv of [
      ['-listen-addr=0.0.0.0:5758', '-data-dir', '/x'],
      ['--listen-addr=0.0.0.0:5758', '--data-dir', '/x'],
      ['-listen-addr', '0.0.0.0:5758', '--data-dir=/x'],
    ]) {
      expect(normalized(...argv), argv.join(' ')).toEqual({
        argv: ['--listen-addr=0.0.0.0:5758', '--data-dir=/x'],
        issues: [],
      });
    }
  });

  it('takes a boolean bare or with its value after "=" only', () => {
    expect(normalized('-enable-sidecar-mode', '-data-dir=/x').argv).toEqual([
      '--enable-sidecar-mode',
      '--data-dir=/x',
    ]);
    expect(normalized('--enable-sidecar-mode=false').argv).toEqual(['--enable-sidecar-mode=false']);
    // As in Go, the word after a bare boolean is an argument, not its value.
    expect(normalized('-enable-sidecar-mode', 'false').argv).toEqual([
      '--enable-sidecar-mode',
      '--',
      'false',
    ]);
  });

  it("gives a string flag the next argument even when it starts with '-', as Go does", () => {
    expect(normalized('-data-dir', '-odd').argv).toEqual(['--data-dir=-odd']);
    expect(normalized('-data-dir=').argv).toEqual(['--data-dir=']);
  });

  it("ends the flags at '--' and keeps '-' as an argument", () => {
    expect(normalized('-data-dir=/x', '--', '-listen-addr=y').argv).toEqual([
      '--data-dir=/x',
      '--',
      '-listen-addr=y',
    ]);
    expect(normalized('-').argv).toEqual(['--', '-']);
  });

  it('reads an unknown flag with its likely value, so it is reported once', () => {
    expect(readGoArgs(['-cri-socket', '/run/c.sock', '-data-dir=/x'], kinds).args).toEqual([
      { kind: 'flag', name: 'cri-socket', raw: '-cri-socket', value: '/run/c.sock' },
      { kind: 'flag', name: 'data-dir', raw: '-data-dir', value: '/x' },
    ]);
    expect(readGoArgs(['--verbose', '-data-dir=/x'], kinds).args[0]).toEqual({
      kind: 'flag',
      name: 'verbose',
      raw: '--verbose',
      value: undefined,
    });
  });

  it('names a flag without its value and bad flag syntax', () => {
    expect(normalized('-listen-addr').issues).toEqual([
      { path: '-listen-addr', message: expect.stringContaining('needs a value') },
    ]);
    expect(normalized('---data-dir=/x', '-=x').issues.map((i) => i.path)).toEqual([
      '---data-dir=/x',
      '-=x',
    ]);
  });

  it("reads booleans and integers as Go's strconv does", () => {
    expect(['1', 't', 'T', 'TRUE', 'true', 'True'].map(goBoolean)).toEqual(Array(6).fill('true'));
    expect(['0', 'f', 'F', 'FALSE', 'false', 'False'].map(goBoolean)).toEqual(
      Array(6).fill('false'),
    );
    expect(goBoolean('maybe')).toBe('maybe');
    expect(['100', '-1', '+7', '0x1f', '0o17', '0b101', '1_000'].filter(isGoInteger)).toHaveLength(
      7,
    );
    expect(['', '1.5', '10MB', 'ten'].filter(isGoInteger)).toEqual([]);
  });

  it('knows -h, -help and --help ask for help unless a flag of that name exists', () => {
    expect(['-h', '-help', '--help', '--h'].every((arg) => asksForHelp([arg], kinds))).toBe(true);
    expect(asksForHelp(['-data-dir', '-h'], kinds)).toBe(false);
    expect(asksForHelp(['-h'], new Map([['h', 'string']]))).toBe(false);
  });
});
