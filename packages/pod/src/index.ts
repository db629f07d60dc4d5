export {
  maxSteps,
  type PodConfig,
  PodConfigSchema,
  parsePodConfig,
  type Step,
  StepSchema,
} from './config.js';
export { PodAdmissionPendingError } from './create-refusal.js';
export {
  defaultStartupGraceMs,
  type PodExecutionStatus,
  PodExecutor,
  type PodExecutorOptions,
} from './pod-executor.js';
export { buildPod, type PodEngineSettings, podDeadlineSeconds, podEngine } from './pod-spec.js';
export { podResultFinalizer } from './result-finalizer.js';
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
export {
  type Task,
  type TaskRun,
  type TaskRunPhase,
  TaskRunPhaseSchema,
  TaskRunSchema,
  type TaskRunSpec,
  TaskRunSpecSchema,
  type TaskRunStatus,
  TaskRunStatusSchema,
  TaskSchema,
  type TaskSpec,
  TaskSpecSchema,
  taskRuns,
  tasks,
} from './task-resources.js';
