export { type RunningAgent, startAgent } from './agent.js';
export {
  type AgentLogRead,
  type RequestOptions,
  TaskExecutorClient,
  type TaskExecutorClientOptions,
} from './agent-client.js';
export {
  type AgentApiErrorReason,
  TaskExecutorApiError,
  TaskExecutorClientError,
  TaskExecutorConnectionError,
  TaskExecutorResponseError,
  TaskExecutorTimeoutError,
} from './agent-client-errors.js';
export {
  type AgentConfig,
  isLoopback,
  loadAgentConfig,
  parseListenAddress,
} from './agent-config.js';
export { AgentExecutor, type AgentExecutorOptions } from './agent-executor.js';
export { TaskExecutorServer, type TaskExecutorServerOptions } from './agent-server.js';
export { type ConnectionLimits, defaultConnectionLimits } from './connection-limits.js';
export {
  executionTask,
  executionTaskName,
  type ProcessEngineConfig,
  ProcessEngineConfigSchema,
} from './execution-task.js';
export {
  type GoArg,
  type GoFlagKind,
  goBoolean,
  isGoInteger,
  normalizeGoFlags,
  readGoArgs,
} from './go-flags.js';
export { defaultLogBytes, type LogStream, type LogTail, maxLogBytes } from './log-tail.js';
export { mainContainerVariable } from './main-container.js';
export { ProcessExecutor, type ProcessExecutorOptions } from './process-executor.js';
export {
  type ExecMode,
  ExecModeSchema,
  type ProcessSpec,
  ProcessSpecSchema,
  type TaskRequest,
  TaskRequestSchema,
} from './process-spec.js';
export { ProcessSupervisor } from './supervisor.js';
export type { ProcessSupervisorOptions } from './supervisor-options.js';
export {
  type TaskConflict,
  TaskConflictError,
  TaskLimitError,
  TaskStoreError,
} from './task-errors.js';
export { maxTaskNameLength, TaskNameSchema, taskNameProblem } from './task-name.js';
export {
  type TaskRecord,
  type TaskState,
  TaskStateSchema,
  type TerminationReason,
} from './task-record.js';
export { executionResult } from './task-result.js';
export { snapshotFromRecord, snapshotFromWire, type TaskSnapshot } from './task-snapshot.js';
export { type RequestProblem, TaskRequestError } from './wire-errors.js';
export { desiredTasksFromWire, taskRequestFromWire } from './wire-request.js';
export {
  type ProcessStatus,
  ProcessStatusSchema,
  toWireTask,
  type WireTask,
  WireTaskSchema,
} from './wire-task.js';
