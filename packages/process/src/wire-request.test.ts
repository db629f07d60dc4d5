import { describe, expect, it } from 'vitest';
import { TaskRequestError } from './wire-errors.js';
import {
  desiredTasksFromWire,
  maxJsonDepth,
  parseJsonBody,
  taskRequestFromWire,
} from './wire-request.js';

const process = { command: ['sh', '-c'], args: ['echo hi'] };

function refusal(run: () => unknown): TaskRequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof TaskRequestError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('a task in a request', () => {
  it('is read from the flat shape OpenSandbox sends', () => {
    expect(taskRequestFromWire({ name: 't1', process })).toEqual({ name: 't1', process });
  });

  it('is read from the nested shape OpenSandbox documents', () => {
    expect(taskRequestFromWire({ name: 't1', spec: { process } })).toEqual({ name: 't1', process });
  });

  it('may carry both shapes when they agree, and labels', () => {
    expect(
      taskRequestFromWire({ name: 't1', process, spec: { process }, labels: { owner: 'a' } }),
    ).toEqual({ name: 't1', process, labels: { owner: 'a' } });
  });

  it('ignores what a client echoes back from a response', () => {
    expect(
      taskRequestFromWire({
        name: 't1',
        process,
        processStatus: { running: {} },
        status: { state: { waiting: {} } },
        deletionTimestamp: null,
        podTemplateSpec: null,
      }),
    ).toEqual({ name: 't1', process });
  });

  // Go's encoding/json reads null into a slice, pointer or string as its zero value, and
  // OpenSandbox's executor treats an empty workingDir as unset (runtime/process.go, Start).
  it('reads null optional fields and an empty workingDir as absent, as the Go agent does', () => {
    const sent = {
      command: ['ls'],
      args: null,
      env: [{ name: 'A', value: null, valueFrom: null }],
      workingDir: '',
      timeoutSeconds: null,
      execMode: null,
      lifecycle: {
        postStop: { exec: { command: ['true'] }, execMode: null, timeoutSeconds: null },
      },
    };
    expect(taskRequestFromWire({ name: 't1', process: sent })).toEqual({
      name: 't1',
      process: {
        command: ['ls'],
        env: [{ name: 'A' }],
        lifecycle: { postStop: { exec: { command: ['true'] } } },
      },
    });
    expect(taskRequestFromWire({ name: 't1', process: { command: ['ls'], env: null } })).toEqual({
      name: 't1',
      process: { command: ['ls'] },
    });
  });

  it('still refuses a null command', () => {
    expect(
      refusal(() => taskRequestFromWire({ name: 't', process: { command: null } })).issues[0]?.path,
    ).toBe('process.command');
  });

  it.each([
    [{ process }, 'name'],
    [{ name: '../x', process }, 'name'],
    [{ name: 't' }, 'process'],
    [{ name: 't', spec: { process: { args: ['x'] } } }, 'spec.process.command'],
    [{ name: 't', process: { command: [] } }, 'process.command'],
    [{ name: 't', spec: 'x' }, 'spec'],
    [{ name: 't', process, spec: { process: { command: ['ls'] } } }, 'spec.process'],
    [{ name: 't', process, labels: { k: 7 } }, 'labels.k'],
    [
      {
        name: 't',
        process: { ...process, env: [{ name: 'K', value: 'V' }, { name: 'LD_PRELOAD' }] },
      },
      'process.env.1.name',
    ],
    [
      { name: 't', spec: { process: { ...process, env: [{ name: 'LD_AUDIT' }] } } },
      'spec.process.env.0.name',
    ],
    // A Kubernetes EnvVar's reference: OpenSandbox's agent runs the task with it set empty.
    [
      {
        name: 't',
        process: {
          ...process,
          env: [
            { name: 'K', value: 'V' },
            { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: {} } },
          ],
        },
      },
      'process.env.1.valueFrom',
    ],
    [[], 'body'],
    ['task', 'body'],
  ])('refuses %j with 400 naming %s', (input, field) => {
    const error = refusal(() => taskRequestFromWire(input));
    expect(error.statusCode).toBe(400);
    expect(error.reason).toBe('InvalidRequest');
    expect(error.issues[0]?.path).toBe(field);
  });

  it('names every bad field at once', () => {
    const error = refusal(() => taskRequestFromWire({ name: '', process: { command: 'ls' } }));
    expect(error.issues.map((i) => i.path)).toEqual(['name', 'process.command']);
  });

  it.each([
    [{ name: 't', podTemplateSpec: { spec: {} } }, 'podTemplateSpec'],
    [{ name: 't', spec: { container: { image: 'x' } } }, 'spec.container'],
  ])('answers a container task %j with 501 naming %s', (input, field) => {
    const error = refusal(() => taskRequestFromWire(input));
    expect(error.statusCode).toBe(501);
    expect(error.reason).toBe('ContainerTasksNotSupported');
    expect(error.issues[0]?.path).toBe(field);
  });
});

describe('the desired set', () => {
  it('takes an array of tasks in either shape', () => {
    expect(
      desiredTasksFromWire([
        { name: 'a', process },
        { name: 'b', spec: { process } },
      ]).map((t) => t.name),
    ).toEqual(['a', 'b']);
    expect(desiredTasksFromWire([])).toEqual([]);
  });

  it('names the element of a bad task, a repeated name, and a body that is no array', () => {
    expect(
      refusal(() => desiredTasksFromWire([{ name: 'a', process }, { name: 'b' }])).issues[0]?.path,
    ).toBe('[1].process');
    expect(
      refusal(() =>
        desiredTasksFromWire([
          { name: 'a', process },
          { name: 'a', process },
        ]),
      ).issues[0]?.path,
    ).toBe('[1].name');
    expect(refusal(() => desiredTasksFromWire(null)).issues[0]?.path).toBe('body');
  });
});

describe('a request body', () => {
  it('names the body when it is not JSON', () => {
    expect(refusal(() => parseJsonBody('{"name":')).issues).toEqual([
      { path: 'body', message: 'is not valid JSON' },
    ]);
  });

  it('names the body when it is nested deeper than any task', () => {
    const deep = `${'['.repeat(maxJsonDepth + 1)}${']'.repeat(maxJsonDepth + 1)}`;
    expect(refusal(() => parseJsonBody(deep)).issues[0]?.path).toBe('body');
    const task = { name: 't', process: { command: ['ls'], lifecycle: { preStart: null } } };
    expect(parseJsonBody(JSON.stringify([task]))).toEqual([task]);
  });
});
