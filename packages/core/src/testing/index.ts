// Test helpers that need no test runner: importable from any test framework, or none. The
// vitest conformance suite is a separate entry point, `@roundhouse/core/testing/conformance`,
// so that importing MemoryExecutor does not require vitest to be installed.
export { configurationIssuesOf } from './configuration-issues.js';
export { MemoryExecutor } from './memory-executor.js';
export { type SampleExecutionOptions, sampleExecution } from './sample-execution.js';
