import { describe, expect, it } from 'vitest';
import { type PipelineRunState, pipelineRunResult, type TaskRunState } from './status.js';

const matrixChild = (task: string, index: number, kind = 'TaskRun') => ({
  kind,
  name: `wfe-1-${task}-${index}`,
  pipelineTaskName: task,
});

const taskRun = (name: string, status: string): TaskRunState => ({
  metadata: { name },
  status: { conditions: [{ type: 'Succeeded', status }] },
});

/**
 * The status Tekton v1.15 writes for a Pipeline `build` (a matrix of three) → `test` (skipped by
 * its `when`) → `deploy`, with a `finally` task `report`, while `deploy` runs.
 */
const running: PipelineRunState = {
  status: {
    conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
    pipelineSpec: {
      tasks: [{ name: 'build' }, { name: 'test' }, { name: 'deploy' }],
      finally: [{ name: 'report' }],
    },
    childReferences: [
      matrixChild('build', 0),
      matrixChild('build', 1),
      matrixChild('build', 2),
      { kind: 'TaskRun', name: 'wfe-1-deploy', pipelineTaskName: 'deploy' },
    ],
    skippedTasks: [{ name: 'test' }],
  },
};

describe('the summary counts pipeline tasks, as Tekton and a user count them', () => {
  it('counts a matrixed task once, and skipped and not yet started tasks in the total', () => {
    const result = pipelineRunResult(running, [
      taskRun('wfe-1-build-0', 'True'),
      taskRun('wfe-1-build-1', 'True'),
      taskRun('wfe-1-build-2', 'True'),
      taskRun('wfe-1-deploy', 'Unknown'),
    ]);
    expect(result.summary).toMatchObject({ completedTasks: 1, totalTasks: 4 });
  });

  it('does not count a matrixed task as completed while one of its runs has not succeeded', () => {
    const result = pipelineRunResult(running, [
      taskRun('wfe-1-build-0', 'True'),
      taskRun('wfe-1-build-1', 'False'),
      taskRun('wfe-1-build-2', 'True'),
    ]);
    expect(result.summary).toMatchObject({ completedTasks: 0, totalTasks: 4 });
  });

  it('counts the tasks its children and skips name before Tekton has written the Pipeline', () => {
    const { pipelineSpec: _, ...status } = running.status ?? {};
    const result = pipelineRunResult({ status }, [taskRun('wfe-1-deploy', 'True')]);
    expect(result.summary).toMatchObject({ completedTasks: 1, totalTasks: 3 });
  });
});
