import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadSettings } from './settings.js';

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
    expect(() => loadSettings(options, { argv: ['--wokers=2'], env: {} })).toThrow();
  });
});
