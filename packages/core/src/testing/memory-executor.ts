import type { Conventions } from '../conventions.js';
import { roundhouseConventions } from '../conventions.js';
import {
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  throwIfAborted,
} from '../errors.js';
import { type ExecutionResult, isTerminalPhase } from '../execution-result.js';
import type {
  AdoptOptions,
  CreateOptions,
  CreateResult,
  Executor,
  OperationOptions,
} from '../executor.js';
import { executionMetadata, isOwnedBy, ownerFromLabels } from '../labels.js';
import { executionResourceName } from '../naming.js';
import type { WorkflowExecution } from '../workflow-execution.js';

interface MemoryExecution {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  phase: ExecutionResult['phase'];
  reason: string;
  message: string;
}

/**
 * An Executor that keeps executions in memory, with the same lock and ownership rules as the
 * Kubernetes backends. Use it to unit-test a controller without a cluster, driving executions
 * with `succeed` and `fail`.
 */
export class MemoryExecutor implements Executor {
  readonly #executions = new Map<string, MemoryExecution>();

  constructor(
    readonly engine = 'memory',
    private readonly conventions: Conventions = roundhouseConventions,
  ) {}

  async create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    throwIfAborted(options.signal, `create ${this.engine} execution`);
    const name = executionResourceName(wfe.spec.targetResource, this.conventions.namePrefix);
    const key = `${namespace}/${name}`;
    const existing = this.#executions.get(key);
    if (existing) {
      if (isOwnedBy(existing, wfe, this.conventions)) return { resourceName: name, warnings: [] };
      const owner = ownerFromLabels(existing.labels, this.conventions, existing.annotations);
      if (isTerminalPhase(existing.phase)) throw new PreviousExecutionNotCleanedError(name, owner);
      throw new ResourceLockedError(name, owner);
    }
    const { labels, annotations } = executionMetadata(wfe, this.engine, this.conventions);
    this.#executions.set(key, {
      labels,
      annotations,
      phase: 'Running',
      reason: 'Running',
      message: 'running',
    });
    return { resourceName: name, warnings: [] };
  }

  /** This execution's own execution, read as a controller adopts it after a restart. */
  async adopt(
    wfe: WorkflowExecution,
    namespace: string,
    options: AdoptOptions = {},
  ): Promise<CreateResult | undefined> {
    throwIfAborted(options.signal, `adopt ${this.engine} execution`);
    const name = options.resourceName ?? this.resourceName(wfe);
    const execution = this.#executions.get(`${namespace}/${name}`);
    if (!execution || !isOwnedBy(execution, wfe, this.conventions)) return undefined;
    return { resourceName: name, warnings: [], adoptedKind: 'MemoryExecution' };
  }

  async getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    throwIfAborted(options.signal, `get ${this.engine} execution status`);
    const execution = this.#executions.get(`${namespace}/${this.resourceName(wfe)}`);
    // Another execution's resource is not this one's, as for the Kubernetes backends: a
    // WorkflowExecution created again under its predecessor's name never reads its result.
    if (!execution || !isOwnedBy(execution, wfe, this.conventions)) return null;
    const status =
      execution.phase === 'Completed' ? 'True' : execution.phase === 'Failed' ? 'False' : 'Unknown';
    return {
      phase: execution.phase,
      reason: execution.reason,
      message: execution.message,
      summary: { status, completedTasks: status === 'True' ? 1 : 0, totalTasks: 1 },
    };
  }

  async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    throwIfAborted(options.signal, `clean up ${this.engine} execution`);
    const key = `${namespace}/${this.resourceName(wfe)}`;
    const execution = this.#executions.get(key);
    if (execution && isOwnedBy(execution, wfe, this.conventions)) this.#executions.delete(key);
  }

  /** Marks the execution on `resourceName` as succeeded. */
  succeed(namespace: string, resourceName: string): void {
    this.#finish(namespace, resourceName, 'Completed', 'Succeeded', 'workflow succeeded');
  }

  /** Marks the execution on `resourceName` as failed with `reason`. */
  fail(
    namespace: string,
    resourceName: string,
    reason = 'WorkflowFailed',
    message = 'workflow failed',
  ): void {
    this.#finish(namespace, resourceName, 'Failed', reason, message);
  }

  #finish(
    namespace: string,
    resourceName: string,
    phase: ExecutionResult['phase'],
    reason: string,
    message: string,
  ): void {
    const execution = this.#executions.get(`${namespace}/${resourceName}`);
    if (!execution) throw new Error(`no execution ${namespace}/${resourceName}`);
    Object.assign(execution, { phase, reason, message });
  }

  private resourceName(wfe: WorkflowExecution): string {
    return (
      wfe.status?.executionRef?.name ??
      executionResourceName(wfe.spec.targetResource, this.conventions.namePrefix)
    );
  }
}
