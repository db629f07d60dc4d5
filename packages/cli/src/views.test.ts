/**
 * Just past 350 lines: the views of get, describe and watch, over the same execution builder.
 */
import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { stripColor } from '../test/strip-color.js';
import { completionScript } from './completion.js';
import { describeExecution } from './describe-view.js';
import { renderTable } from './table.js';
import { type Execution, executionColumns } from './views.js';
import {
  exitCodeOf,
  liveFrame,
  milestoneOf,
  progressLine,
  summaryLine,
  type Watched,
} from './watch-view.js';

const now = new Date('2026-03-01T10:05:00Z');

function execution(name: string, status?: Execution['status']): Execution {
  return {
    metadata: { name, namespace: 'team-a', creationTimestamp: '2026-03-01T10:00:00Z' },
    spec: {
      executionEngine: 'job',
      targetResource: `prod/deployment/${name}`,
      workflowRef: { workflowId: 'restart', version: '1', executionBundle: 'registry.invalid/r:1' },
    },
    ...(status ? { status } : {}),
  };
}

const running = execution('a', {
  phase: 'Running',
  startTime: '2026-03-01T10:04:30Z',
  executionRef: { name: 'wfe-0011223344556677' },
});
const completed = execution('b', {
  phase: 'Completed',
  startTime: '2026-03-01T10:00:00Z',
  completionTime: '2026-03-01T10:00:03Z',
});
const failed = execution('c', {
  phase: 'Failed',
  startTime: '2026-03-01T10:00:00Z',
  completionTime: '2026-03-01T10:00:05Z',
  failureDetails: {
    reason: 'TaskFailed',
    message: 'container "workflow" exited with code 7',
    failedAt: '2026-03-01T10:00:05Z',
    exitCode: 7,
    wasExecutionFailure: true,
  },
  conditions: [
    {
      type: 'Ready',
      status: 'False',
      reason: 'TaskFailed',
      message: 'failed',
      lastTransitionTime: '2026-03-01T10:00:05Z',
    },
  ],
});
const waiting = execution('d', {
  phase: 'Pending',
  conditions: [
    {
      type: 'Waiting',
      status: 'True',
      reason: 'CooldownActive',
      message: 'target cooling down',
      lastTransitionTime: '2026-03-01T10:00:00Z',
    },
  ],
});

describe('get', () => {
  it('shows phase, engine, target, age and reason; wide adds workflow, execution, duration', () => {
    expect(renderTable(executionColumns(now), [running, failed, waiting, execution('e')])).toBe(
      [
        'NAME   PHASE     ENGINE   TARGET              AGE   REASON',
        'a      Running   job      prod/deployment/a   5m',
        'c      Failed    job      prod/deployment/c   5m    TaskFailed',
        'd      Pending   job      prod/deployment/d   5m    CooldownActive',
        'e      -         job      prod/deployment/e   5m',
      ].join('\n'),
    );
    expect(renderTable(executionColumns(now, { wide: true, allNamespaces: true }), [running])).toBe(
      [
        'NAMESPACE   NAME   PHASE     ENGINE   TARGET              AGE   REASON   WORKFLOW    EXECUTION              DURATION',
        'team-a      a      Running   job      prod/deployment/a   5m             restart:1   wfe-0011223344556677   30s',
      ].join('\n'),
    );
  });
});

describe("kubernaut's catalog-snapshot shape", () => {
  const snapshot: Execution = {
    metadata: { name: 'we-1', namespace: 'team-a', creationTimestamp: '2026-03-01T10:00:00Z' },
    spec: {
      targetResource: 'prod/deployment/api',
      timesOutAt: '2026-03-01T10:30:00Z',
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'registry.invalid/r:1',
        executionEngine: 'ansible',
        serviceAccountName: 'restarter',
        dependencies: { secrets: [{ name: 'db' }] },
      },
    },
  };

  it('shows the engine, ServiceAccount, dependencies and deadline from workflowRef', () => {
    expect(renderTable(executionColumns(now), [snapshot]).split('\n')[1]).toMatch(
      /^we-1\s+-\s+ansible\s+prod\/deployment\/api/,
    );
    const described = describeExecution(snapshot, { events: [] }, now);
    expect(described).toContain('Engine:          ansible');
    expect(described).toContain('Dependencies:    secret/db');
    expect(described).toContain('Deadline:        2026-03-01T10:30:00Z');
    expect(described).toContain('Service account: restarter');
  });

  it('shows spec.dependencies when workflowRef.dependencies lists nothing, as the controller mounts them', () => {
    const empty: Execution = {
      ...snapshot,
      spec: {
        ...snapshot.spec,
        workflowRef: { ...snapshot.spec?.workflowRef, dependencies: {} },
        dependencies: { configMaps: [{ name: 'settings' }] },
      } as Execution['spec'],
    };
    expect(describeExecution(empty, { events: [] }, now)).toContain(
      'Dependencies:    configmap/settings',
    );
  });
});

describe('describe', () => {
  it('lists the facts that are set, then conditions and events', () => {
    expect(
      describeExecution(
        failed,
        {
          resource: { kind: 'Job', namespace: 'wf', name: 'wfe-1', state: 'present' },
          events: [
            {
              type: 'Warning',
              reason: 'ExecutionFailed',
              message: 'exit 7',
              lastTimestamp: '2026-03-01T10:00:05Z',
            },
          ],
        },
        now,
      ),
    ).toBe(
      `Name:      c
Namespace: team-a
Created:   2026-03-01T10:00:00Z (5m ago)
Engine:    job
Target:    prod/deployment/c
Workflow:  restart 1
Bundle:    registry.invalid/r:1
Phase:     Failed
Started:   2026-03-01T10:00:00Z
Completed: 2026-03-01T10:00:05Z
Duration:  5s
Failure:   TaskFailed: container "workflow" exited with code 7 (exit code 7)
Execution: Job wf/wfe-1 (present)
Conditions:
  TYPE    STATUS   REASON       AGE     MESSAGE
  Ready   False    TaskFailed   4m55s   failed
Events:
  TYPE      REASON            AGE     MESSAGE
  Warning   ExecutionFailed   4m55s   exit 7
`,
    );
  });
});

describe('watch views', () => {
  const watched = (object: Execution, deleted = false): Watched => ({
    namespace: 'team-a',
    name: object.metadata.name ?? '',
    object,
    deleted,
  });

  it('draws a spinner for what runs and a mark for what ended, coloured only when asked', () => {
    const rows = [watched(running), watched(completed), watched(failed)];
    const plain = liveFrame(rows, {
      now,
      tick: 1,
      colors: createColors(false),
    });
    expect(plain).toBe(
      [
        '    NAME   PHASE       ENGINE   TARGET              ELAPSED   REASON',
        '⠙   a      Running     job      prod/deployment/a   30s',
        '✔   b      Completed   job      prod/deployment/b   3s',
        '✖   c      Failed      job      prod/deployment/c   5s        TaskFailed',
      ].join('\n'),
    );
    const coloured = liveFrame(rows, {
      now,
      tick: 1,
      colors: createColors(true),
    });
    expect(coloured).toContain('\u001b[');
    expect(stripColor(coloured)).toBe(plain);
  });

  it('reports each step once, as a plain line', () => {
    expect(progressLine(watched(execution('n')), now)).toBe('team-a/n: waiting for the controller');
    expect(progressLine(watched(waiting), now)).toBe(
      'team-a/d: Pending: CooldownActive: target cooling down',
    );
    expect(progressLine(watched(running), now)).toBe(
      'team-a/a: Running (execution wfe-0011223344556677)',
    );
    expect(progressLine(watched(completed), now)).toBe('team-a/b: Completed in 3s');
    expect(progressLine(watched(failed), now)).toBe(
      'team-a/c: Failed in 5s: TaskFailed: container "workflow" exited with code 7',
    );
    expect(progressLine(watched(running, true), now)).toBe('team-a/a: deleted before it finished');
    // A phase a looser CRD stored as an object is shown as its JSON, not "[object Object]".
    const odd = {
      ...running,
      status: { ...running.status, phase: { v: 1 } },
    } as unknown as typeof running;
    expect(progressLine(watched(odd), now)).toBe('team-a/a: {"v":1}');
    expect(milestoneOf(watched(running))).toBe(milestoneOf(watched({ ...running })));
    expect(milestoneOf(watched(running))).not.toBe(milestoneOf(watched(completed)));
  });

  it('exits 0 only when every execution completed', () => {
    expect(exitCodeOf([watched(completed)])).toBe(0);
    expect(exitCodeOf([watched(completed), watched(failed)])).toBe(1);
    expect(exitCodeOf([watched(completed, true)])).toBe(0);
    expect(exitCodeOf([watched(running, true)])).toBe(1);
    expect(summaryLine([watched(completed), watched(failed)])).toBe('1 completed, 1 failed');
  });
});

describe('values from the cluster', () => {
  // What an author may write into the spec and a status: OSC 52 sets the viewer's clipboard,
  // CSI 2J clears the screen, a newline forges a row, U+202E reverses what follows.
  const osc = '\u001b]52;c;aGk=\u0007\u001b[2J';
  const hostile: Execution = {
    metadata: { name: 'h', namespace: 'team-a', creationTimestamp: '2026-03-01T10:00:00Z' },
    spec: {
      executionEngine: osc,
      targetResource: 'prod/deployment/h\nz      Completed',
      workflowRef: {
        workflowId: 'restart\u200b',
        version: '1\u202e2',
        executionBundle: 'registry.invalid/r:1',
      },
      parameters: { GREETING: 'grüß dich 你好 👋', NOTE: '\u009b31m' },
    },
    status: {
      phase: 'Failed',
      startTime: '2026-03-01T10:00:00Z',
      completionTime: '2026-03-01T10:00:05Z',
      executionRef: { name: 'wfe-1\u0007' },
      failureDetails: {
        reason: 'TaskFailed',
        message: `exited${osc}`,
        failedAt: '2026-03-01T10:00:05Z',
        failedTaskName: 'step\rX',
        wasExecutionFailure: true,
      },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'TaskFailed\u2066',
          message: 'line one\nline two\tend',
          lastTransitionTime: '2026-03-01T10:00:05Z',
        },
      ],
    },
  };
  const watched = (object: Execution): Watched => ({
    namespace: 'team-a',
    name: object.metadata.name ?? '',
    object,
    deleted: false,
  });

  it('are escaped in the get table, and the columns line up on the escaped text', () => {
    expect(renderTable(executionColumns(now, { wide: true }), [hostile, running])).toBe(
      [
        'NAME   PHASE     ENGINE                      TARGET                                AGE   REASON       WORKFLOW                 EXECUTION              DURATION',
        'h      Failed    \\x1b]52;c;aGk=\\x07\\x1b[2J   prod/deployment/h\\nz      Completed   5m    TaskFailed   restart\\u200b:1\\u202e2   wfe-1\\x07              5s',
        'a      Running   job                         prod/deployment/a                     5m                 restart:1                wfe-0011223344556677   30s',
      ].join('\n'),
    );
  });

  it('are escaped in every describe field and table, ordinary UTF-8 kept', () => {
    const event = {
      type: 'Warning',
      reason: `Failed${osc}`,
      message: '\u202eok',
      lastTimestamp: '2026-03-01T10:00:05Z',
    };
    expect(describeExecution(hostile, { events: [event] }, now)).toBe(
      [
        'Name:       h',
        'Namespace:  team-a',
        'Created:    2026-03-01T10:00:00Z (5m ago)',
        'Engine:     \\x1b]52;c;aGk=\\x07\\x1b[2J',
        'Target:     prod/deployment/h\\nz      Completed',
        'Workflow:   restart\\u200b 1\\u202e2',
        'Bundle:     registry.invalid/r:1',
        'Parameters: GREETING=grüß dich 你好 👋, NOTE=\\x9b31m',
        'Phase:      Failed',
        'Started:    2026-03-01T10:00:00Z',
        'Completed:  2026-03-01T10:00:05Z',
        'Duration:   5s',
        'Failure:    TaskFailed: exited\\x1b]52;c;aGk=\\x07\\x1b[2J (task step\\rX)',
        'Conditions:',
        '  TYPE    STATUS   REASON             AGE     MESSAGE',
        '  Ready   False    TaskFailed\\u2066   4m55s   line one\\nline two\\tend',
        'Events:',
        '  TYPE      REASON                            AGE     MESSAGE',
        '  Warning   Failed\\x1b]52;c;aGk=\\x07\\x1b[2J   4m55s   \\u202eok',
        '',
      ].join('\n'),
    );
  });

  it('are escaped in the live frame before the CLI colours it, and in plain lines', () => {
    const rows = [watched(hostile), watched(running)];
    const plain = liveFrame(rows, { now, tick: 0, colors: createColors(false) });
    expect(plain).toBe(
      [
        '    NAME   PHASE     ENGINE                      TARGET                                ELAPSED   REASON',
        '✖   h      Failed    \\x1b]52;c;aGk=\\x07\\x1b[2J   prod/deployment/h\\nz      Completed   5s        TaskFailed',
        '⠋   a      Running   job                         prod/deployment/a                     30s',
      ].join('\n'),
    );
    const coloured = liveFrame(rows, { now, tick: 0, colors: createColors(true) });
    expect(coloured).toContain('\u001b[31mFailed\u001b[39m');
    expect(stripColor(coloured)).toBe(plain);
    expect(progressLine(watched(hostile), now)).toBe(
      'team-a/h: Failed in 5s: TaskFailed: exited\\x1b]52;c;aGk=\\x07\\x1b[2J',
    );
  });
});

describe('completion', () => {
  it('completes commands, their options, option values and execution names', () => {
    const script = completionScript('bash', {
      globalOptions: ['-n', '--namespace'],
      commands: [
        { name: 'get', options: ['-o', '--output'] },
        { name: 'run', options: ['--engine'] },
      ],
      optionValues: { '--engine': ['job', 'tekton'] },
      takesName: ['get'],
    });
    expect(script).toContain('local commands="get run" global="-n --namespace"');
    expect(script).toContain('get) opts="-o --output" ;;');
    expect(script).toContain(
      '--engine) COMPREPLY=($(compgen -W "job tekton" -- "$cur")); return ;;',
    );
    expect(script).toMatch(
      /get "\$\{namespace\[@\]\}" "\$\{group\[@\]\}" "\$\{conventions\[@\]\}" -o name/,
    );
    expect(script).toContain('complete -F _kubectl_roundhouse kubectl-roundhouse roundhouse');
    expect(
      completionScript('zsh', { globalOptions: [], commands: [], optionValues: {}, takesName: [] }),
    ).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
  });
});
