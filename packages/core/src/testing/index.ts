export {
  type ConformanceHarness,
  conformanceChecks,
  describeExecutorConformance,
} from './conformance.js';
export { MemoryExecutor } from './memory-executor.js';
export { type SampleExecutionOptions, sampleExecution } from './sample-execution.js';
