import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under this condition, so tests and the
// type-checker read src/ directly and no build is needed before `npm test`.
const sourceCondition = '@roundhouse/source';
const resolve = { conditions: [sourceCondition, 'module', 'node', 'import', 'default'] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: [sourceCondition] } },
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**', 'examples/*/src/**'],
      exclude: ['**/*.test.ts'],
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'examples/*/src/**/*.test.ts',
            'scripts/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude],
          // Unit tests run beside the integration files' control planes on 2 cores; a CPU-heavy
          // case (a scrub built from 1 MiB of values) took 5.9 s there, past vitest's 5 s.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          globalSetup: ['./packages/testenv/src/vitest/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Test files share one control plane; keep their load within what 2 cores can serve.
          maxWorkers: 2,
        },
      },
    ],
  },
});
