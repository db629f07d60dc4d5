import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asksForHelp, loadSettings, settingsHelp } from './settings.js';

const options = {
  schema: z.object({
    kubeconfig: z.string().optional(),
    executionNamespace: z.string().min(1),
    workers: z.coerce.number().int().min(1),
  }),
  defaults: { kubeconfig: undefined, executionNamespace: 'runs', workers: '4' },
  envPrefix: 'DEMO',
};

describe('loadSettings', () => {
  it('takes a flag over its variable over the conventional variable over the default', () => {
    expect(loadSettings(options, { argv: [], env: {} })).toEqual({
      executionNamespace: 'runs',
      workers: 4,
    });
    expect(
      loadSettings(options, {
        argv: ['--workers=8'],
        env: { DEMO_WORKERS: '2', DEMO_EXECUTION_NAMESPACE: 'jobs', KUBECONFIG: '/k' },
      }),
    ).toEqual({ kubeconfig: '/k', executionNamespace: 'jobs', workers: 8 });
  });

  it('names every bad flag in one error, and refuses an unknown flag', () => {
    expect(() =>
      loadSettings(options, { argv: ['--workers=0', '--execution-namespace='], env: {} }),
    ).toThrow(
      expect.objectContaining({
        reason: 'ConfigurationError',
        issues: [
          expect.objectContaining({ path: '--execution-namespace' }),
          expect.objectContaining({ path: '--workers' }),
        ],
      }),
    );
  });

  it('takes a boolean bare or with a value, and an empty KUBECONFIG as unset', () => {
    const withSwitch = {
      ...options,
      schema: options.schema.extend({ dryRun: z.stringbool() }),
      defaults: { ...options.defaults, dryRun: 'false' },
      booleans: ['dryRun' as const],
    };
    const load = (argv: string[], env: Record<string, string> = {}) =>
      loadSettings(withSwitch, { argv, env });
    expect(load([]).dryRun).toBe(false);
    expect(load(['--dry-run']).dryRun).toBe(true);
    expect(load(['--dry-run=false'], { DEMO_DRY_RUN: 'true' }).dryRun).toBe(false);
    expect(() => load(['--dry-run', 'false'])).toThrow(/unexpected argument "false"/);
    expect(load([], { KUBECONFIG: '' }).kubeconfig).toBeUndefined();
  });

  it('takes a value after a space as kubectl-style flags do', () => {
    expect(loadSettings(options, { argv: ['--workers', '8'], env: {} })).toMatchObject({
      workers: 8,
    });
  });

  it('names an unknown flag, a flag without a value and a stray argument in the same error', () => {
    let thrown: unknown;
    try {
      loadSettings(options, {
        argv: ['--wokers=2', 'jobs', '--workers=0', '-x', '--execution-namespace'],
        env: {},
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).issues).toEqual([
      {
        path: '--wokers',
        message: 'unknown flag; the flags are --kubeconfig, --execution-namespace, --workers',
      },
      {
        path: 'arguments',
        message: 'unexpected argument "jobs": settings are flags, such as --kubeconfig=VALUE',
      },
      {
        path: '-x',
        message: 'unknown flag; the flags are --kubeconfig, --execution-namespace, --workers',
      },
      { path: '--execution-namespace', message: 'needs a value: --execution-namespace=VALUE' },
      { path: '--workers', message: expect.stringMatching(/>=1/) },
    ]);
  });
});

describe('settingsHelp', () => {
  it('lists every flag with the variables that set it and its default, a bare flag without a value', () => {
    const help = settingsHelp('demo-controller', {
      schema: options.schema.extend({
        workers: z.coerce.number().int().min(1).describe('concurrent reconciles'),
        leaderElect: z.stringbool(),
      }),
      defaults: { ...options.defaults, leaderElect: 'false' },
      envPrefix: 'DEMO',
      booleans: ['leaderElect'],
    });
    expect(help).toBe(
      [
        'Usage: demo-controller [flags]',
        '',
        'Flags (each also set by the variable named):',
        '  --kubeconfig=VALUE',
        '      (DEMO_KUBECONFIG, KUBECONFIG; no default)',
        '  --execution-namespace=VALUE',
        '      (DEMO_EXECUTION_NAMESPACE; default runs)',
        '  --workers=VALUE',
        '      concurrent reconciles (DEMO_WORKERS; default 4)',
        '  --leader-elect',
        '      (DEMO_LEADER_ELECT; default false)',
        '',
      ].join('\n'),
    );
  });

  it('is asked for by --help, -help or -h, and only by them', () => {
    expect(asksForHelp(['--workers=2', '--help'])).toBe(true);
    expect(asksForHelp(['-help'])).toBe(true);
    expect(asksForHelp(['-h'])).toBe(true);
    expect(asksForHelp(['--helpful=1', '--workers=2'])).toBe(false);
  });
});
