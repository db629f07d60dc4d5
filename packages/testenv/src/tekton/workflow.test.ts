import { describe, expect, it } from 'vitest';
import { podControls } from '../stages.js';
import { resultsMessage, simulatedWorkflow } from './workflow.js';

const reference = '127.0.0.1:5000/team/flow:1';

describe('simulatedWorkflow', () => {
  const [pipeline, build, notify] = simulatedWorkflow(reference, {
    params: ['TARGET_RESOURCE', 'REPLICAS'],
    workspaces: ['secret-db'],
    tasks: [
      {
        name: 'build',
        steps: [
          { name: 'compile', runSeconds: 1, results: { image: 'app:1' } },
          { name: 'lint', exitCode: 3 },
        ],
      },
    ],
    finally: [{ name: 'notify', hold: true }],
  });

  it('resolves every Task from the same bundle, as a bundle Pipeline must', () => {
    expect(pipeline).toMatchObject({
      kind: 'Pipeline',
      metadata: { name: 'workflow' },
      spec: {
        params: [
          { name: 'TARGET_RESOURCE', type: 'string' },
          { name: 'REPLICAS', type: 'string' },
        ],
        workspaces: [{ name: 'secret-db' }],
        tasks: [
          {
            name: 'build',
            taskRef: {
              resolver: 'bundles',
              params: [
                { name: 'bundle', value: reference },
                { name: 'name', value: 'build' },
                { name: 'kind', value: 'task' },
              ],
            },
          },
        ],
        finally: [{ name: 'notify' }],
      },
    });
  });

  it("carries each step's outcome to the pod in the Task's annotations", () => {
    expect(build?.metadata.annotations).toEqual({
      [podControls.containers]: JSON.stringify({
        'step-compile': { runSeconds: 1, message: resultsMessage({ image: 'app:1' }) },
        'step-lint': { exitCode: 3 },
      }),
    });
    expect(build?.spec).toEqual({
      results: [{ name: 'image', type: 'string' }],
      steps: [
        { name: 'compile', image: 'testenv.invalid/step:1', command: ['compile'] },
        { name: 'lint', image: 'testenv.invalid/step:1', command: ['lint'] },
      ],
    });
  });

  it('leaves a held task without outcomes, so its pod runs until the test ends it', () => {
    expect(notify?.metadata.annotations).toBeUndefined();
  });

  it('writes results the way Tekton reads them from a termination message', () => {
    expect(resultsMessage({ a: 'x' })).toBe('[{"key":"a","value":"x","type":1}]');
  });
});
