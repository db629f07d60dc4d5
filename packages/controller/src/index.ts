export { type Clock, ManualClock, systemClock } from './clock.js';
export {
  type ConditionInput,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
} from './conditions.js';
export {
  Controller,
  type ControllerOptions,
  ControllerRunningError,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from './controller.js';
export { type EventKind, EventRecorder, type EventRecorderOptions } from './event-recorder.js';
export {
  addFinalizer,
  type FinalizerOptions,
  hasFinalizer,
  removeFinalizer,
} from './finalizers.js';
export { type HealthServer, type HealthServerOptions, startHealthServer } from './health-server.js';
export {
  type EventType,
  Informer,
  type InformerHandler,
  type InformerOptions,
} from './informer.js';
export {
  InformerCache,
  type InformerCacheOptions,
  type InformerScope,
} from './informer-cache.js';
export { objectKey, splitKey } from './keys.js';
export {
  type LeaderCallbacks,
  LeaderElector,
  type LeaderElectorOptions,
} from './leader-election.js';
export { mapByLabels, mapByOwnerReferences } from './mappers.js';
export { ControllerMetrics, type ReconcileOutcome } from './metrics.js';
export type { IndexFunction } from './object-store.js';
export {
  defaultControllerRateLimiter,
  ExponentialBackoffRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  TokenBucketRateLimiter,
} from './rate-limiters.js';
export { type ShutdownSignalOptions, shutdownSignal } from './shutdown.js';
export { type UpdateStatusOptions, updateStatus } from './status.js';
export { TerminalError, terminalError } from './terminal-error.js';
export { type QueueMetrics, WorkQueue, type WorkQueueOptions } from './workqueue.js';
