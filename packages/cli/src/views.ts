import {
  type Condition,
  requestedEngine,
  type WorkflowExecutionSpec,
  type WorkflowExecutionStatus,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { age, humanDuration } from './humanize.js';
import { storedList, storedText, storedTime } from './stored-text.js';
import type { Column } from './table.js';

/**
 * A WorkflowExecution as listed: the CLI shows what the API server holds, even an object whose
 * spec the controller refused, so nothing here is validated.
 */
export type Execution = KubeObject & {
  metadata: NonNullable<KubeObject['metadata']>;
  spec?: Partial<WorkflowExecutionSpec> | undefined;
  status?: WorkflowExecutionStatus | undefined;
};

export const isTerminal = (wfe: Execution) =>
  wfe.status?.phase === 'Completed' || wfe.status?.phase === 'Failed';

/** The phase, or `-` while no controller has written a status. */
export function phaseOf(wfe: Execution): string {
  return storedText(wfe.status?.phase) || '-';
}

/** Why it is where it is: the failure's class, or what holds a pending execution back. */
export function reasonOf(wfe: Execution): string {
  const status = wfe.status;
  if (status?.phase === 'Failed') return storedText(status.failureDetails?.reason);
  if (status?.phase === 'Pending') return storedText(waiting(status.conditions)?.reason);
  return '';
}

/** The detail behind the reason, for a line of its own. */
export function messageOf(wfe: Execution): string {
  const status = wfe.status;
  if (status?.phase === 'Failed') return storedText(status.failureDetails?.message);
  if (status?.phase === 'Pending') return storedText(waiting(status.conditions)?.message);
  return '';
}

function waiting(conditions: readonly Condition[] | undefined): Condition | undefined {
  return storedList(conditions).find((c) => c?.type === 'Waiting' && c.status === 'True');
}

/** How long it ran, or has been running: from the start (or creation) to the end (or now). */
export function elapsedOf(wfe: Execution, now: Date): string {
  const from = storedTime(wfe.status?.startTime ?? wfe.metadata.creationTimestamp);
  const to = wfe.status?.completionTime ? storedTime(wfe.status.completionTime) : now.getTime();
  return from === undefined || to === undefined ? '-' : humanDuration(to - from);
}

/** The columns of `get`: kubectl's, plus the execution's own; `-A` adds the namespace. */
export function executionColumns(
  now: Date,
  options: { wide?: boolean | undefined; allNamespaces?: boolean | undefined } = {},
): Column<Execution>[] {
  return [
    ...(options.allNamespaces
      ? [{ header: 'namespace', value: (w: Execution) => w.metadata.namespace ?? '' }]
      : []),
    { header: 'name', value: (w) => w.metadata.name ?? '' },
    { header: 'phase', value: phaseOf },
    { header: 'engine', value: (w) => requestedEngine(w.spec) },
    { header: 'target', value: (w) => w.spec?.targetResource ?? '' },
    { header: 'age', value: (w) => age(w.metadata.creationTimestamp, now) },
    { header: 'reason', value: reasonOf },
    ...(options.wide
      ? [
          {
            header: 'workflow',
            value: (w: Execution) =>
              `${storedText(w.spec?.workflowRef?.workflowId)}:${storedText(w.spec?.workflowRef?.version)}`,
          },
          {
            header: 'execution',
            value: (w: Execution) => storedText(w.status?.executionRef?.name),
          },
          {
            header: 'duration',
            value: (w: Execution) => (w.status?.startTime ? elapsedOf(w, now) : ''),
          },
        ]
      : []),
  ];
}

/** An Event as `describe` shows it. */
export interface EventView {
  readonly type?: string | undefined;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
  readonly lastTimestamp?: string | undefined;
  readonly eventTime?: string | undefined;
  readonly count?: number | undefined;
  readonly metadata?: { creationTimestamp?: string | undefined } | undefined;
}

/** The execution resource as `describe` found it. */
export interface ExecutionResourceView {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** `present`, `absent` (cleaned up, or never made), or why it could not be read. */
  readonly state: string;
}
