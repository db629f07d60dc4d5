export {
  type PodConfig,
  PodConfigSchema,
  parsePodConfig,
  type Step,
  StepSchema,
} from './config.js';
export {
  type PodExecutionStatus,
  PodExecutor,
  type PodExecutorOptions,
} from './pod-executor.js';
export { buildPod, type PodEngineSettings, podEngine } from './pod-spec.js';
export {
  isPodFinished,
  type PodClock,
  type PodExecutionState,
  podExecutionState,
} from './status.js';
export {
  type PodState,
  PodStateSchema,
  type StepState,
  StepStateSchema,
  type StepStatus,
  StepStatusSchema,
  stepStatuses,
} from './steps.js';
