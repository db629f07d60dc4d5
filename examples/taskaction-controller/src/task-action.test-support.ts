import type { TaskAction } from './spec.js';

/** The status of a condition action that has waited for its signal since 10:00. */
export const pausedStatus = () => ({
  conditions: [
    {
      type: 'Progressing',
      status: 'True',
      reason: 'Paused',
      message: 'waiting for signal',
      lastTransitionTime: '2026-03-01T10:00:00Z',
    },
  ],
});

interface TaskActionParts {
  readonly metadata?: Partial<TaskAction['metadata']>;
  readonly spec?: Partial<Omit<TaskAction['spec'], 'taskTemplate'>>;
  readonly template?: Partial<TaskAction['spec']['taskTemplate']>;
}

/**
 * Action a0 of run1 in namespace flyte: a `container` task of one image. A fresh object on every
 * call, so a test may change it; each test passes the parts its case is about.
 */
export function taskAction({ metadata, spec, template }: TaskActionParts = {}): TaskAction {
  return {
    metadata: { name: 'run1-a0', namespace: 'flyte', uid: 'u1', ...metadata },
    spec: {
      runName: 'run1',
      project: 'proj',
      domain: 'dev',
      actionName: 'a0',
      taskType: 'container',
      taskTemplate: { image: 'registry.invalid/task:1', ...template },
      inputUri: 's3://bucket/run1/inputs.pb',
      runOutputBase: 's3://bucket/run1',
      ...spec,
    },
  };
}
