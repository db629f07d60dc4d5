export { type CancelSpecStatus, cancelSpecStatus, type GracefulCancel } from './cancellation.js';
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
  classifyPipelineRunFailure,
  explainTaskFailure,
  isPipelineRunFinished,
  type PipelineRunState,
  PipelineRunStateSchema,
  pipelineRunLabel,
  pipelineRunResult,
  type TaskFailure,
  type TaskRunState,
  TaskRunStateSchema,
} from './status.js';
export {
  type CancelOptions,
  TektonExecutor,
  type TektonExecutorOptions,
} from './tekton-executor.js';
