export { type CancelSpecStatus, cancelSpecStatus, type GracefulCancel } from './cancellation.js';
export {
  classifyPipelineRunFailure,
  type TaskFailure,
} from './failure-classification.js';
export { classifyByMessageWords } from './failure-words.js';
export { FinallyRunningError, gracefulFinallyUntil } from './graceful-finally.js';
export {
  buildPipelineRun,
  defaultPipelineName,
  type PipelineRun,
  type PipelineRunSettings,
  pipelineTimeout,
  type TektonParam,
  tektonEngine,
} from './pipeline-run-spec.js';
export {
  explainRefusedChildRun,
  type RunEvent,
  RunEventSchema,
} from './refused-child-run.js';
export {
  explainTaskFailure,
  isPipelineRunFinished,
  type PipelineRunState,
  PipelineRunStateSchema,
  pipelineRunLabel,
  pipelineRunResult,
  type TaskRunState,
  TaskRunStateSchema,
  type TaskRunsUnread,
} from './status.js';
export { explainStuckStart, type StartFailure, type StuckStart } from './stuck-start.js';
export { TektonExecutor } from './tekton-executor.js';
export {
  type CancelOptions,
  defaultStartupGraceMs,
  type TektonExecutorOptions,
} from './tekton-executor-options.js';
export { defaultControllerGraceMs } from './unwritten-status.js';
