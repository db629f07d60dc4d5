import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parseTaskParams, taskRunManifest } from './args.js';

describe('taskRunManifest', () => {
  it('builds a TaskRun named <task>-run-<suffix> by the server, with params and timeout', () => {
    expect(
      taskRunManifest({
        task: 'deploy',
        namespace: 'ci',
        param: ['target=prod', 'note=a=b', 'empty='],
        timeout: '10m',
      }),
    ).toEqual({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'TaskRun',
      metadata: { generateName: 'deploy-run-', namespace: 'ci' },
      spec: {
        taskRef: { name: 'deploy' },
        params: [
          { name: 'target', value: 'prod' },
          { name: 'note', value: 'a=b' },
          { name: 'empty', value: '' },
        ],
        timeout: '10m',
      },
    });
  });

  it('leaves out params and timeout when none are given', () => {
    expect(taskRunManifest({ task: 'hello', namespace: 'ci', param: [] }).spec).toEqual({
      taskRef: { name: 'hello' },
    });
  });

  it('names the flag of each mistake, as the controller would refuse it', () => {
    const error = (() => {
      try {
        taskRunManifest({ task: 'hello', namespace: 'ci', param: ['1bad=x'], timeout: 'soon' });
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.issues.map((i) => i.path)).toEqual(['-p 1bad', '--timeout']);
  });

  it('asks for a Go duration when only the timeout is wrong', () => {
    expect(() => taskRunManifest({ task: 'x', namespace: 'ci', param: [], timeout: '5' })).toThrow(
      expect.objectContaining({ fix: 'pass a Go duration: --timeout 10m' }),
    );
  });

  it('refuses a zero or negative timeout the controller would fail the run for', () => {
    for (const timeout of ['0s', '-5m']) {
      expect(() => taskRunManifest({ task: 'x', namespace: 'ci', param: [], timeout })).toThrow(
        `--timeout: "${timeout}" is not a positive Go duration of at least 1ms`,
      );
    }
  });
});

describe('parseTaskParams', () => {
  it('refuses a value without "=" and a name given twice, each by name', () => {
    expect(() => parseTaskParams(['a=1', 'oops', 'a=2', '=x'])).toThrow(
      '-p: "oops" is not name=value; -p a: is given twice; -p: "=x" is not name=value',
    );
  });
});
