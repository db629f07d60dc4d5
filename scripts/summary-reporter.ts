import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read,
 * and fails the run when no test executed: a green run that tested nothing proves nothing.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    if (passed + failed === 0) {
      console.error('roundhouse: no test executed; failing the run');
      process.exitCode = 1;
    }
  }
}
