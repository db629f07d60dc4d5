import { markQueued } from '@roundhouse/controller';
import { Registry } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { abortFinalizer } from './resource.js';
import { defaultRouting, engineFor } from './routing.js';
import { resolveConditionAction, validateTaskAction } from './spec.js';
import { taskAction } from './task-action.test-support.js';

const registry = { has: (engine: string) => engine === 'job' } as Pick<Registry, 'has'>;
const allowedImages = ['registry.invalid/*'];

const valid = () => taskAction({ template: { retries: 2, env: { MODE: 'fast' } } });

describe('validateTaskAction', () => {
  it('accepts a complete action and picks its engine', () => {
    const result = validateTaskAction(valid(), defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({ valid: true, value: { engine: 'job' } });
  });

  it('names every missing field in one InvalidSpec', () => {
    const result = validateTaskAction(
      { metadata: valid().metadata, spec: { project: 'proj', domain: 'dev' } },
      defaultRouting,
      registry,
      allowedImages,
    );
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.reason).toBe('InvalidSpec');
    for (const field of [
      'runName',
      'actionName',
      'taskType',
      'taskTemplate',
      'inputUri',
      'runOutputBase',
    ]) {
      expect(result.message).toContain(`spec.${field}: is required`);
    }
    expect(result.message).not.toContain('spec.project');
  });

  it('rejects variables the controller sets, and names that are no variable names', () => {
    const action = valid();
    action.spec.taskTemplate.env = { TASK_ATTEMPT: '9', '1BAD': 'x' };
    const result = validateTaskAction(action, defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    if (result.valid) return;
    expect(result.message).toContain('TASK_ATTEMPT');
    expect(result.message).toContain('1BAD');
  });

  it('rejects variables that change which code the task loads, naming them under taskTemplate.env', () => {
    const action = valid();
    action.spec.taskTemplate.env = { LD_PRELOAD: '/tmp/x.so', NODE_OPTIONS: '--require=/tmp/x' };
    const result = validateTaskAction(action, defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    if (result.valid) return;
    expect(result.message).toMatch(/spec\.taskTemplate\.env\.LD_PRELOAD: changes which code/);
    expect(result.message).toMatch(/spec\.taskTemplate\.env\.NODE_OPTIONS: changes which code/);
    expect(result.message).not.toContain('spec.parameters');
  });

  it('refuses a NUL in an argument or a variable, naming each field, instead of runs that cannot start', () => {
    const action = valid();
    const spec = {
      ...action.spec,
      envVars: { RUN: 'a\0b' },
      taskTemplate: {
        ...action.spec.taskTemplate,
        command: ['/bin/sh', '-c'],
        args: ['echo ok', 'x\0'],
        env: { MODE: '\0' },
      },
    };
    const result = validateTaskAction({ ...action, spec }, defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    if (result.valid) return;
    for (const field of [
      'spec.envVars.RUN',
      'spec.taskTemplate.args.1',
      'spec.taskTemplate.env.MODE',
    ]) {
      expect(result.message).toContain(`${field}: must not contain a NUL character`);
    }
    expect(result.message).not.toContain('taskTemplate.command');
  });

  it('is PluginNotFound for a task type no registered engine runs', () => {
    const action = valid();
    action.spec.taskType = 'spark';
    expect(validateTaskAction(action, defaultRouting, registry, allowedImages)).toEqual({
      valid: false,
      reason: 'PluginNotFound',
      message:
        'no engine runs task type "spark"; task types: container -> job, python -> job, raw-container -> job',
    });
  });

  it('quotes a task type holding terminal escapes and line breaks as escapes, on one line', () => {
    const action = valid();
    action.spec.taskType = '\u001b[2J\nWarning Forged\u202e';
    const result = validateTaskAction(action, defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({
      valid: false,
      reason: 'PluginNotFound',
      message: expect.stringContaining('task type "\\x1b[2J\\nWarning Forged\\u202e"'),
    });
    expect(result.valid || result.message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it.each(['container', 'python', 'raw-container'])(
    "runs Flyte's container-plugin task type %s on the job engine",
    (taskType) => {
      const action = valid();
      action.spec.taskType = taskType;
      expect(validateTaskAction(action, defaultRouting, registry, allowedImages)).toMatchObject({
        valid: true,
      });
      expect(engineFor(taskType, defaultRouting, registry)).toBe('job');
    },
  );

  it('refuses an image --allowed-images does not allow, naming the field, the list and the flag', () => {
    const action = valid();
    action.spec.taskTemplate.image = 'registry.example.com/task:1';
    expect(validateTaskAction(action, defaultRouting, registry, allowedImages)).toEqual({
      valid: false,
      reason: 'InvalidSpec',
      message:
        'spec.taskTemplate.image: image "registry.example.com/task:1" is not among the images this controller runs (registry.invalid/*); use an allowed image, or ask the operator to add it to --allowed-images',
    });
    const none = validateTaskAction(valid(), defaultRouting, registry, []);
    expect(none).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!none.valid && none.message).toContain('(it allows none until configured)');
  });

  it('refuses an attempt timeout longer than --max-timeout, naming the field and the flag', () => {
    const action = (timeout: string) => ({
      ...valid(),
      spec: { ...valid().spec, taskTemplate: { ...valid().spec.taskTemplate, timeout } },
    });
    expect(validateTaskAction(action('8760h'), defaultRouting, registry, allowedImages)).toEqual({
      valid: false,
      reason: 'InvalidSpec',
      message:
        'spec.taskTemplate.timeout: 8760h is longer than the longest attempt this controller runs (24h, --max-timeout); set a shorter timeout, or ask the operator to raise it',
    });
    expect(
      validateTaskAction(action('2h'), defaultRouting, registry, allowedImages, '2h'),
    ).toMatchObject({ valid: true });
    expect(
      validateTaskAction(action('2h1s'), defaultRouting, registry, allowedImages, '2h'),
    ).toMatchObject({ valid: false, reason: 'InvalidSpec' });
  });

  it.each(['inputUri', 'runOutputBase'] as const)(
    'refuses a %s longer than 2048 characters, naming the field',
    (field) => {
      const action = valid();
      action.spec[field] = `s3://bucket/${'x'.repeat(2048)}`;
      const result = validateTaskAction(action, defaultRouting, registry, allowedImages);
      expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
      expect(!result.valid && result.message).toContain(`spec.${field}: `);
      action.spec[field] = `s3://${'x'.repeat(2043)}`;
      expect(validateTaskAction(action, defaultRouting, registry, allowedImages).valid).toBe(true);
    },
  );

  it('refuses a timeout of a long run of digits, naming the field', () => {
    const action = valid();
    const timeout = '1'.repeat(50_000);
    const spec = { ...action.spec, taskTemplate: { ...action.spec.taskTemplate, timeout } };
    const result = validateTaskAction({ ...action, spec }, defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!result.valid && result.message).toContain('spec.taskTemplate.timeout: ');
  });

  it('does not judge the image of an admitted action again, so a narrowed list strands no attempt', () => {
    const admitted = {
      ...valid(),
      metadata: { ...valid().metadata, finalizers: [abortFinalizer] },
      status: markQueued({}, { now: new Date('2026-03-01T10:00:00Z') }),
    };
    expect(validateTaskAction(admitted, defaultRouting, registry, [])).toMatchObject({
      valid: true,
    });
  });

  it('judges the image of an action that carries the finalizer but no status: its author may have set it', () => {
    const forged = {
      ...valid(),
      metadata: { ...valid().metadata, finalizers: [abortFinalizer] },
    };
    const result = validateTaskAction(forged, defaultRouting, registry, []);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!result.valid && result.message).toContain('spec.taskTemplate.image');
  });

  it('takes a cache key of up to 256 characters, serialized or not', () => {
    const cached = valid();
    const spec = {
      ...cached.spec,
      cacheKey: 'k'.repeat(256),
      taskTemplate: { ...cached.spec.taskTemplate, cacheSerializable: true },
    };
    const result = validateTaskAction({ ...cached, spec }, defaultRouting, registry, allowedImages);
    expect(result).toMatchObject({ valid: true });
    const long = validateTaskAction(
      { ...cached, spec: { ...spec, cacheKey: 'k'.repeat(257) } },
      defaultRouting,
      registry,
      allowedImages,
    );
    expect(long).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(long.valid || long.message).toContain('spec.cacheKey');
  });

  it('refuses cacheSerializable without a cache key, naming the field and the fix', () => {
    const action = valid();
    const spec = {
      ...action.spec,
      taskTemplate: { ...action.spec.taskTemplate, cacheSerializable: true },
    };
    expect(
      validateTaskAction({ ...action, spec }, defaultRouting, registry, allowedImages),
    ).toEqual({
      valid: false,
      reason: 'InvalidSpec',
      message:
        'spec.taskTemplate.cacheSerializable: serializes on the cache key: set spec.cacheKey, or leave cacheSerializable out',
    });
  });

  it('refuses a timeout no Job can have as its deadline, naming the field', () => {
    for (const timeout of ['0', '0s', '-5m', '0.5ns', '3000000h']) {
      const action = valid();
      const spec = { ...action.spec, taskTemplate: { ...action.spec.taskTemplate, timeout } };
      const result = validateTaskAction(
        { ...action, spec },
        defaultRouting,
        registry,
        allowedImages,
      );
      expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
      expect(!result.valid && result.message).toMatch(/^spec\.taskTemplate\.timeout: /);
    }
    const action = valid();
    const spec = { ...action.spec, taskTemplate: { ...action.spec.taskTemplate, timeout: '1ms' } };
    expect(
      validateTaskAction({ ...action, spec }, defaultRouting, registry, allowedImages),
    ).toMatchObject({ valid: true });
  });

  it('refuses an image that is no OCI reference, naming the field', () => {
    const action = valid();
    action.spec.taskTemplate.image = 'Registry.invalid/Task:1';
    const result = validateTaskAction(action, defaultRouting, registry, ['*']);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!result.valid && result.message).toContain(
      'spec.taskTemplate.image: must be an OCI image reference',
    );
  });

  it("says what is wrong with an image's digest when the rest of the reference is right", () => {
    const action = valid();
    action.spec.taskTemplate.image = `registry.invalid/task:1@sha512:${'a'.repeat(128)}0`;
    const result = validateTaskAction(action, defaultRouting, registry, ['*']);
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!result.valid && result.message).toContain(
      'spec.taskTemplate.image: its digest: a sha512 digest has 128 hex digits, this one 129; copy the whole digest the registry reports',
    );
  });
});

describe('engineFor', () => {
  it('routes listed task types, then the default engine, and only to registered engines', () => {
    const routing = { taskTypes: { container: 'job', spark: 'spark' }, defaultEngine: 'job' };
    expect(engineFor('container', routing, registry)).toBe('job');
    expect(engineFor('python', routing, registry)).toBe('job');
    expect(engineFor('spark', routing, registry)).toBeUndefined();
    expect(engineFor('toString', defaultRouting, new Registry())).toBeUndefined();
  });
});

describe('resolveConditionAction', () => {
  const condition = (conditionSpec: Record<string, unknown> | undefined) => ({
    metadata: { name: 'run1-c1', namespace: 'flyte', creationTimestamp: '2026-03-01T10:00:00Z' },
    spec: {
      runName: 'run1',
      project: 'proj',
      domain: 'dev',
      actionName: 'c1',
      actionType: 'condition',
      ...(conditionSpec ? { conditionSpec } : {}),
    },
  });

  it('needs no task fields, and times out at creation plus the timeout', () => {
    const result = resolveConditionAction(
      condition({ name: 'approve', type: 'boolean', timeout: '1h30m' }),
    );
    expect(result).toMatchObject({
      valid: true,
      value: { deadline: new Date('2026-03-01T11:30:00Z') },
    });
  });

  it('waits without a deadline when the timeout is left out', () => {
    const result = resolveConditionAction(condition({ name: 'approve', type: 'string' }));
    expect(result).toMatchObject({ valid: true, value: { deadline: undefined } });
  });

  it('is InvalidSpec without its condition, naming the field', () => {
    const result = resolveConditionAction(condition(undefined));
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!result.valid && result.message).toContain('spec.conditionSpec');
  });

  it('refuses a timeout that is not longer than zero', () => {
    const result = resolveConditionAction(condition({ name: 'a', type: 'string', timeout: '0s' }));
    expect(result).toMatchObject({ valid: false, reason: 'InvalidSpec' });
    expect(!result.valid && result.message).toContain('spec.conditionSpec.timeout');
  });
});
