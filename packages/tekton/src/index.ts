export { type CancelSpecStatus, cancelSpecStatus, type GracefulCancel } from './cancellation.js';
export {
  classifyPipelineRunFailure,
  type TaskFailure,
} from './failure-classification.js';
export { classifyByMessageWords } from './failure-words.js';
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
export { explainStuckStart, type StuckStart } from './stuck-start.js';
export {
  type CancelOptions,
  defaultStartupGraceMs,
  TektonExecutor,
  type TektonExecutorOptions,
} from './tekton-executor.js';
