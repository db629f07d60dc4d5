export { containerLostReason, isContainerLost } from './container-lost.js';
export { hopelessWait } from './hopeless-waits.js';
export { cachedJob } from './job-cache.js';
export { JobExecutor, type JobExecutorOptions } from './job-executor.js';
export { jobPodStates, jobPodsRead } from './job-pods.js';
export {
  buildJob,
  type ContainerCommand,
  type JobSettings,
  jobEngine,
  jobPodsFieldSelector,
  jobPodsSelector,
  type PodSettings,
  workflowContainerName,
} from './job-spec.js';
export { kubeletLiteral } from './kubelet-literal.js';
export { type JobFailure, mayLagJobFailure, readJobFailure } from './lagging-pod-cache.js';
export {
  type ListedPod,
  readMountFailure,
  type StartFailureReads,
  withMountFailure,
} from './mount-failures.js';
export { OrphanedPodsStoppingError } from './orphaned-pods.js';
export { type CachedPod, CachedPodSchema, cachedPod } from './pod-cache.js';
export {
  type PodConditionState,
  type PodDisruption,
  type PodDisruptionSource,
  podDisruption,
} from './pod-disruption.js';
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
export {
  type EventState,
  EventStateSchema,
  explainStuckStart,
  type StuckStart,
} from './stuck-start.js';
