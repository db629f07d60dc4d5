import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { describeExecution } from './describe-view.js';
import { renderTable } from './table.js';
import { type Execution, executionColumns } from './views.js';
import { liveFrame, milestoneOf, progressLine, type Watched } from './watch-view.js';

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
        'NAMESPACE   NAME      PHASE               ENGINE   TARGET                  AGE         REASON   WORKFLOW        EXECUTION   DURATION',
        'team-a      drifted   {"name":"Failed"}   5        {"kind":"Deployment"}   <unknown>            ["restart"]:2   ["wfe-1"]',
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

  it('is shown by every view when a value cannot be converted to text by JavaScript', () => {
    // JSON parses `{"toString": 1}` into an object whose own toString is no function: a
    // template string or Date.parse of it throws instead of printing.
    const unconvertible = { toString: 1 };
    const hostile = {
      metadata: { name: 'odd', namespace: 'team-a', creationTimestamp: unconvertible },
      spec: { workflowRef: { workflowId: unconvertible, version: unconvertible } },
      status: {
        phase: 'Failed',
        startTime: unconvertible,
        completionTime: unconvertible,
        executionRef: { name: unconvertible },
        failureDetails: { reason: unconvertible, message: unconvertible },
      },
    } as unknown as Execution;
    const shown = '{"toString":1}';
    const table = renderTable(executionColumns(now, { wide: true }), [hostile]);
    expect(table).toContain(`${shown}:${shown}   ${shown}`);
    expect(describeExecution(hostile, { events: [] }, now)).toContain(
      `\nWorkflow:  ${shown} ${shown}\n`,
    );
    const watched: Watched = { namespace: 'team-a', name: 'odd', object: hostile, deleted: false };
    expect(progressLine(watched, now)).toBe(`team-a/odd: Failed in -: ${shown}: ${shown}`);
    expect(milestoneOf(watched)).toBe(`Failed|${shown}|${shown}`);
    expect(liveFrame([watched], { now, tick: 0, colors: createColors(false) })).toContain(
      `odd    Failed`,
    );
  });

  it('is described with a spec stored as null', () => {
    const nullSpec = { ...drifted, spec: null } as unknown as Execution;
    expect(describeExecution(nullSpec, { events: [] }, now)).toContain('\nEngine:    tekton\n');
  });

  it('is described with 10,000 conditions, each row escaped', () => {
    const many = {
      ...drifted,
      status: {
        phase: 'Running',
        conditions: Array.from({ length: 10_000 }, (_, i) => ({
          type: `T${i}`,
          status: 'True',
          message: '\u001b[2J',
        })),
      },
    } as unknown as Execution;
    const text = describeExecution(many, { events: [] }, now);
    expect(text).toContain('\n  T9999   True');
    expect(text).not.toContain('\u001b');
  });
});
