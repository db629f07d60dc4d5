import { listsDependencies, printableText, requestedEngine } from '@roundhouse/core';
import { isPlainRecord } from '@roundhouse/kube';
import { age } from './humanize.js';
import { storedList, storedText } from './stored-text.js';
import { renderTable } from './table.js';
import {
  type EventView,
  type Execution,
  type ExecutionResourceView,
  elapsedOf,
  phaseOf,
} from './views.js';

/**
 * `describe`'s text, kubectl-style: one `Field:` per line (fields with no value are left out),
 * then the conditions and the recent events as tables. Every value is escaped (`printableText`).
 */
export function describeExecution(
  wfe: Execution,
  details: {
    resource?: ExecutionResourceView | undefined;
    /** The recent events, or why they could not be read (`cannot read: Forbidden`). */
    events: readonly EventView[] | string;
  },
  now: Date,
): string {
  // A spec stored as null (a looser CRD keeps it) is no spec.
  const spec: NonNullable<Execution['spec']> = isPlainRecord(wfe.spec) ? wfe.spec : {};
  const { status } = wfe;
  // The field the controller mounts from: an empty workflowRef.dependencies is no source.
  const dependencies = listsDependencies(spec.workflowRef?.dependencies)
    ? spec.workflowRef?.dependencies
    : spec.dependencies;
  const created = wfe.metadata.creationTimestamp;
  const failure = status?.failureDetails;
  const facts: [string, unknown][] = [
    ['Name', wfe.metadata.name],
    ['Namespace', wfe.metadata.namespace],
    ['Created', created && `${storedText(created)} (${age(created, now)} ago)`],
    ['Engine', requestedEngine(spec)],
    ['Target', spec.targetResource],
    [
      'Workflow',
      spec.workflowRef &&
        `${storedText(spec.workflowRef.workflowId)} ${storedText(spec.workflowRef.version)}`,
    ],
    ['Bundle', spec.workflowRef?.executionBundle],
    [
      'Parameters',
      list(
        Object.entries(isPlainRecord(spec.parameters) ? spec.parameters : {}).map(
          ([key, value]) => `${key}=${storedText(value)}`,
        ),
      ),
    ],
    [
      'Dependencies',
      list([
        ...storedList(dependencies?.secrets).map((d) => `secret/${storedText(d?.name)}`),
        ...storedList(dependencies?.configMaps).map((d) => `configmap/${storedText(d?.name)}`),
      ]),
    ],
    ['Timeout', spec.executionConfig?.timeout],
    ['Deadline', spec.timesOutAt],
    [
      'Service account',
      spec.workflowRef?.serviceAccountName || spec.executionConfig?.serviceAccountName,
    ],
    ['Phase', phaseOf(wfe)],
    ['Started', status?.startTime],
    ['Completed', status?.completionTime],
    ['Duration', status?.startTime && elapsedOf(wfe, now)],
    [
      'Failure',
      failure &&
        `${storedText(failure.reason)}: ${storedText(failure.message)}${list(
          [
            failure.exitCode !== undefined ? `exit code ${storedText(failure.exitCode)}` : '',
            failure.failedTaskName ? `task ${storedText(failure.failedTaskName)}` : '',
          ].filter(Boolean),
          (text) => ` (${text})`,
        )}`,
    ],
    [
      'Execution',
      details.resource &&
        `${details.resource.kind} ${details.resource.namespace}/${details.resource.name} (${details.resource.state})`,
    ],
  ];
  const present = facts.filter(([, value]) => Boolean(value));
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  const lines = present.map(
    ([label, value]) => `${`${label}:`.padEnd(width)}${printableText(storedText(value))}`,
  );
  const conditions = storedList(status?.conditions).filter(isPlainRecord);
  lines.push('Conditions:');
  lines.push(
    conditions.length
      ? indent(
          renderTable(
            [
              { header: 'type', value: (c) => c.type },
              { header: 'status', value: (c) => c.status },
              { header: 'reason', value: (c) => c.reason },
              { header: 'age', value: (c) => age(c.lastTransitionTime, now) },
              { header: 'message', value: (c) => c.message },
            ],
            conditions,
          ),
        )
      : '  <none>',
  );
  lines.push('Events:');
  lines.push(
    typeof details.events === 'string'
      ? `  ${printableText(details.events)}`
      : details.events.length
        ? indent(
            renderTable(
              [
                { header: 'type', value: (e: EventView) => e.type ?? '' },
                { header: 'reason', value: (e) => e.reason ?? '' },
                { header: 'age', value: (e) => age(eventTime(e), now) },
                { header: 'message', value: (e) => e.message ?? '' },
              ],
              details.events,
            ),
          )
        : '  <none>',
  );
  return `${lines.join('\n')}\n`;
}

/** When an Event last happened; core/v1 Events may carry any of these. */
export function eventTime(event: EventView): string | undefined {
  return event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
}

function list(items: readonly string[], wrap: (text: string) => string = (t) => t): string {
  return items.length ? wrap(items.join(', ')) : '';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
