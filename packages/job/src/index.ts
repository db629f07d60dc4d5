export { JobExecutor, type JobExecutorOptions } from './job-executor.js';
export {
  buildJob,
  type JobSettings,
  jobEngine,
  type PodSettings,
  workflowContainerName,
} from './job-spec.js';
export {
  explainPodFailure,
  isJobFinished,
  type JobState,
  JobStateSchema,
  jobResult,
  type PodFailure,
  type PodState,
  PodStateSchema,
} from './status.js';
