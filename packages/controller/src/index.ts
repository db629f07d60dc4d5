export {
  type CachedActionStatus,
  type CacheGate,
  type CacheLookup,
  CacheStatusFieldsSchema,
  type CatalogCacheStatus,
  CatalogCacheStatusSchema,
  cacheGate,
  markCacheHit,
  markWaitingForCache,
  waitingForCacheMessage,
  withCacheStatus,
} from './action-cache.js';
export {
  advanceCondition,
  type ConditionActionStatus,
  ConditionActionStatusSchema,
  conditionDeadline,
  conditionRequeueMs,
  conditionTimedOutCode,
  judgeSignal,
  type SignalRejection,
  type SignalStatus,
  SignalStatusSchema,
  type SignalVerdict,
} from './action-condition.js';
export {
  type ActionPhase,
  ActionPhaseSchema,
  actionConditionTypes,
  actionEndTime,
  actionPhaseOf,
  type FailedPhase,
  FailedPhaseSchema,
  isTerminalActionPhase,
  type ProgressingPhase,
  ProgressingPhaseSchema,
  SucceededPhaseSchema,
  setActionPhase,
} from './action-phase.js';
export {
  type ActionStatus,
  ActionStatusSchema,
  type ActionStep,
  attemptsOf,
  markFailed,
  markLaunched,
  markObservationFailed,
  markProgress,
  markQueued,
  markRejected,
  markRelaunched,
  markSucceeded,
  nextStep,
  phaseOf,
  type TransitionAt,
} from './action-status.js';
export { addFinalizerIfValid, type Validation } from './admission.js';
export {
  judgeReservation,
  type Reservation,
  type ReservationFacts,
  reservationGraceHeartbeats,
  reservationSpec,
} from './cache-reservation.js';
export { ReservationSightings } from './cache-reservation-sightings.js';
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
export {
  type ControllerMainContext,
  type ControllerMainOptions,
  runControllerMain,
} from './controller-main.js';
export {
  type ControllerRunner,
  type ControllerRunnerOptions,
  controllerRunner,
  type LeaderElection,
} from './controller-runner.js';
export { type CrdSchemaOptions, crdSchemaOf, type JsonSchema } from './crd-schema.js';
export {
  type CustomResourceDefinition,
  type NamespacedCrdOptions,
  namespacedCrd,
  type PrinterColumn,
} from './custom-resource-definition.js';
export {
  type ErrorKind,
  ErrorKindSchema,
  type ErrorState,
  ErrorStateSchema,
} from './error-state.js';
export {
  type EventKind,
  EventRecorder,
  type EventRecorderOptions,
  type EventRecordOptions,
  type RecordOutcome,
} from './event-recorder.js';
export {
  BatchingEventSink,
  type BatchingEventSinkOptions,
  type EventBatchWriter,
  type EventSink,
  EventSinkClosedError,
} from './event-sink.js';
export {
  executionReadScope,
  executionWatchScope,
  executionWatchSelector,
} from './execution-scopes.js';
export {
  addFinalizer,
  type FinalizerOptions,
  hasFinalizer,
  removeFinalizer,
} from './finalizers.js';
export { type HealthServer, type HealthServerOptions, startHealthServer } from './health-server.js';
export {
  type Deletion,
  type EventType,
  Informer,
  type InformerHandler,
  type InformerHandlers,
  type InformerOptions,
} from './informer.js';
export {
  InformerCache,
  type InformerCacheOptions,
  type InformerScope,
  InformerTransformConflictError,
} from './informer-cache.js';
export {
  createLogger,
  endOutput,
  type LogOutput,
  redactedKeys,
  standardOutput,
} from './json-logger.js';
export { objectKey, splitKey } from './keys.js';
export { LeaseLostWhileReconcilingError, leadUntilStopped } from './lead-until-stopped.js';
export {
  type LeaderCallbacks,
  LeaderElector,
  type LeaderElectorOptions,
} from './leader-election.js';
export { keepLeaseWhile, LeadershipLostError, mayStartWork } from './leadership.js';
export { type Lease, LeaseSchema, type LeaseSpec } from './lease.js';
export { mapByLabels, mapByOwnerReferences } from './mappers.js';
export {
  ControllerMetrics,
  type ControllerMetricsOptions,
  type ReconcileOutcome,
} from './metrics.js';
export type { IndexFunction } from './object-store.js';
export {
  appendPhase,
  maxPhaseHistory,
  type PhaseTransition,
  PhaseTransitionSchema,
} from './phase-history.js';
export {
  defaultControllerRateLimiter,
  ExponentialBackoffRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  TokenBucketRateLimiter,
} from './rate-limiters.js';
export { ReconcileTimeoutError } from './reconcile-timeout.js';
export { ResourceListSettingSchema } from './resource-list-setting.js';
export {
  defaultMaxRelaunches,
  defaultMaxSystemFailures,
  type Failure,
  type FailureVerdict,
  judgeFailure,
  type RetryCounters,
  type RetryPolicy,
  retryCodes,
  systemRetryDelay,
} from './retry-budget.js';
export {
  asksForHelp,
  flagName,
  loadSettings,
  type SettingsOptions,
  type SettingsSource,
  settingsHelp,
} from './settings.js';
export { type ShutdownSignalOptions, shutdownSignal } from './shutdown.js';
export { type UpdateStatusOptions, updateStatus } from './status.js';
export {
  type RecordThenUpdateStatusOptions,
  recordThenUpdateStatus,
  type StatusTransition,
} from './status-with-event.js';
export { isTerminalError, TerminalError, terminalError } from './terminal-error.js';
export {
  completedTimeLabelValue,
  hasTerminalLabels,
  isExpired,
  type SweepResult,
  TtlGarbageCollector,
  type TtlGarbageCollectorOptions,
  type TtlLabelKeys,
  terminalLabels,
  terminatedLabelValue,
} from './ttl-gc.js';
export {
  type AddOptions,
  type QueuedKey,
  type QueueMetrics,
  WorkQueue,
  type WorkQueueOptions,
} from './workqueue.js';
