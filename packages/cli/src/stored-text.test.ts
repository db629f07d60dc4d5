import { describe, expect, it } from 'vitest';
import { describeExecution } from './describe-view.js';
import { renderTable } from './table.js';
import { type Execution, executionColumns } from './views.js';

const now = new Date('2026-03-01T10:05:00Z');

/**
 * An execution as a cluster whose CRD is not the CLI's may store it (one with
 * x-kubernetes-preserve-unknown-fields): fields of other types than the views are typed for.
 */
const drifted = {
  metadata: { name: 'drifted', namespace: 'team-a', creationTimestamp: { seconds: 12 } },
  spec: {
    executionEngine: 5,
    targetResource: { kind: 'Deployment' },
    parameters: 'REPLICAS=3',
    dependencies: { secrets: 'token' },
    workflowRef: { workflowId: ['restart'], version: 2, executionBundle: 'registry.invalid/r:1' },
  },
  status: {
    phase: { name: 'Failed' },
    conditions: [
      null,
      7,
      { type: 'Ready', status: false, reason: { code: 1 }, message: ['\u001b[2Jgone'] },
    ],
    failureDetails: { reason: { class: 'TaskFailed' }, message: 'exited', exitCode: '7' },
    executionRef: { name: ['wfe-1'] },
  },
} as unknown as Execution;

describe('an execution whose fields have other types than the CRD the CLI ships', () => {
  it('is listed by get, each odd value shown as its JSON, escaped', () => {
    expect(renderTable(executionColumns(now, { wide: true, allNamespaces: true }), [drifted])).toBe(
      [
        'NAMESPACE   NAME      PHASE               ENGINE   TARGET                  AGE         REASON   WORKFLOW    EXECUTION   DURATION',
        'team-a      drifted   {"name":"Failed"}   5        {"kind":"Deployment"}   <unknown>            restart:2   ["wfe-1"]',
      ].join('\n'),
    );
  });

  it('is described, conditions that are no object left out', () => {
    const text = describeExecution(drifted, { events: [] }, now);
    expect(text).toContain('\nTarget:    {"kind":"Deployment"}\n');
    expect(text).toContain('\nPhase:     {"name":"Failed"}\n');
    expect(text).toContain('\nFailure:   {"class":"TaskFailed"}: exited (exit code 7)\n');
    expect(text).toContain(
      '\nConditions:\n  TYPE    STATUS   REASON       AGE         MESSAGE\n  Ready   false    {"code":1}   <unknown>   ["\\u001b[2Jgone"]\n',
    );
    expect(text).not.toContain('\u001b');
  });
});
