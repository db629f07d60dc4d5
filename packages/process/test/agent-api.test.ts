/**
 * Just past 350 lines: the task-executor HTTP API, endpoint by endpoint, against one agent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskExecutorApiError } from '../src/index.js';
import { type InProcessAgent, startInProcessAgent } from './in-process-agent.js';
import { isAlive, patience, processFrom } from './support.js';

async function call(agent: InProcessAgent, method: string, path: string, body?: unknown) {
  const response = await fetch(`${agent.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const finished = (agent: InProcessAgent, name: string) =>
  vi.waitFor(async () => {
    const { body } = await call(agent, 'GET', `/tasks/${name}`);
    expect(body.processStatus.terminated).toBeDefined();
    return body;
  }, patience);

describe('the task-executor API', () => {
  let agent: InProcessAgent;

  beforeAll(async () => {
    agent = await startInProcessAgent({ maxBodyBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await agent.stop();
  });

  it('answers /health', async () => {
    expect(await call(agent, 'GET', '/health')).toEqual({
      status: 200,
      body: { status: 'healthy' },
    });
  });

  it('takes the flat shape the OpenSandbox controller sends, and answers in both shapes', async () => {
    const process = { command: ['sh', '-c'], args: ['echo hi; exit 3'] };
    const created = await call(agent, 'POST', '/tasks', { name: 'flat', process });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'flat', process, spec: { process } });
    const task = await finished(agent, 'flat');
    const terminated = {
      exitCode: 3,
      reason: 'Failed',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    };
    expect(task.processStatus.terminated).toMatchObject(terminated);
    expect(task.status.state.terminated).toMatchObject(terminated);
    expect(task.status.phase).toBe('Failed');
    expect(readLog(agent, 'flat')).toBe('hi\n');
  });

  it('takes a task whose unset fields a client writes as null or an empty workingDir, as the Go agent does', async () => {
    const process = {
      command: ['sh', '-c', 'echo "$A"'],
      args: null,
      env: [{ name: 'A', value: null }],
      workingDir: '',
      timeoutSeconds: null,
    };
    const created = await call(agent, 'POST', '/tasks', { name: 'nulls', process });
    expect(created.status).toBe(201);
    expect((await finished(agent, 'nulls')).processStatus.terminated.exitCode).toBe(0);
    expect(readLog(agent, 'nulls')).toBe('\n');
  });

  it('takes the nested shape the README documents; a duplicate name is 409, with or without the same spec', async () => {
    const task = { name: 'nested', spec: { process: { command: ['sleep', '30'] } } };
    const first = await call(agent, 'POST', '/tasks', task);
    expect(first.status).toBe(201);
    expect(first.body.status.state.running ?? first.body.status.state.waiting).toBeDefined();
    const again = await call(agent, 'POST', '/tasks', task);
    expect(again).toMatchObject({
      status: 409,
      body: { code: 'Conflict', reason: 'TaskConflict', conflict: 'AlreadyExists', field: 'name' },
    });
    expect((await call(agent, 'GET', '/tasks/nested')).body.uid).toBe(first.body.uid);
    const different = await call(agent, 'POST', '/tasks', {
      name: 'nested',
      process: { command: ['sleep', '31'] },
    });
    expect(different).toMatchObject({
      status: 409,
      body: { code: 'Conflict', reason: 'TaskConflict', conflict: 'DifferentSpec', field: 'name' },
    });
    expect((await call(agent, 'DELETE', '/tasks/nested')).status).toBe(204);
  });

  it('answers 404 for an unknown task, and 204 for deleting one', async () => {
    expect(await call(agent, 'GET', '/tasks/never')).toMatchObject({
      status: 404,
      body: { reason: 'TaskNotFound' },
    });
    expect((await call(agent, 'DELETE', '/tasks/never')).status).toBe(204);
  });

  it('refuses bad input with a 4xx naming the field, and creates nothing', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/tasks', '{"name":', 400, 'body'],
      ['POST', '/tasks', { name: 'bad-1' }, 400, 'process'],
      ['POST', '/tasks', { name: 'bad-2', process: { args: ['x'] } }, 400, 'process.command'],
      [
        'POST',
        '/tasks',
        { name: 'bad-3', spec: { process: { command: 'ls' } } },
        400,
        'spec.process.command',
      ],
      ['POST', '/tasks', { name: '../x', process: { command: ['true'] } }, 400, 'name'],
      ['POST', '/tasks', { name: 'x'.repeat(300), process: { command: ['true'] } }, 400, 'name'],
      [
        'POST',
        '/tasks',
        { name: 'bad-4', process: { command: ['true'], args: ['a'.repeat(70_000)] } },
        413,
        'body',
      ],
      ['POST', '/tasks', { name: 'bad-5', podTemplateSpec: { spec: {} } }, 501, 'podTemplateSpec'],
      ['POST', '/setTasks', { name: 'bad-6' }, 400, 'body'],
      ['POST', '/setTasks', 'null', 400, 'body'],
      [
        'POST',
        '/setTasks',
        [
          { name: 'bad-7', process: { command: ['true'] } },
          { name: 'bad-8', process: {} },
        ],
        400,
        '[1].process.command',
      ],
      ['GET', '/tasks/..%2Fx', undefined, 400, 'name'],
      ['DELETE', '/tasks/..%2F..%2Fetc', undefined, 400, 'name'],
      ['GET', '/tasks/flat/logs?stream=stdin', undefined, 400, 'stream'],
      ['GET', '/tasks/flat/logs?limitBytes=0', undefined, 400, 'limitBytes'],
      ['GET', '/tasks/flat/logs?offset=-1', undefined, 400, 'offset'],
      ['POST', '/tasks', deeplyNested('bad-9'), 400, 'body'],
      [
        'POST',
        '/tasks',
        {
          name: 'bad-10',
          process: { command: ['true'], env: [{ name: 'P', valueFrom: { secretKeyRef: {} } }] },
        },
        400,
        'process.env.0.valueFrom',
      ],
      // OpenSandbox's agent skips a nameless entry, so this set would delete every task.
      ['POST', '/setTasks', [{}], 400, '[0].name'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const reply = await call(agent, method, path, body);
      expect({ method, path, status: reply.status, field: reply.body?.field }).toEqual({
        method,
        path,
        status,
        field,
      });
      expect(reply.body.message).toContain(field);
    }
    const names = (await call(agent, 'GET', '/getTasks')).body.map((t: { name: string }) => t.name);
    expect(names.filter((n: string) => n.startsWith('bad-'))).toEqual([]);
    // A refused desired set deleted nothing either.
    expect(names).toEqual(expect.arrayContaining(['flat', 'nulls']));
    expect(existsSync(join(agent.dir, 'x'))).toBe(false);
  });

  it('answers 404 for unknown endpoints and 405 for wrong methods', async () => {
    expect((await call(agent, 'GET', '/nowhere')).status).toBe(404);
    const reply = await fetch(`${agent.url}/tasks/x`, { method: 'PUT' });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, DELETE');
  });

  it('serves the captured output, bounded', async () => {
    const { client } = agent;
    await client.createTask({
      name: 'talker',
      process: { command: ['/bin/sh', '-c', 'echo out; echo err >&2; echo more'] },
    });
    await finished(agent, 'talker');
    expect(await client.logs('talker')).toEqual({
      content: 'out\nmore\n',
      size: 9,
      truncated: false,
      offset: 0,
      end: 9,
    });
    expect(await client.logs('talker', { offset: 4, limitBytes: 3 })).toEqual({
      content: 'mor',
      size: 9,
      truncated: false,
      offset: 4,
      end: 7,
    });
    expect(await client.logs('talker', { stream: 'stderr' })).toMatchObject({ content: 'err\n' });
    expect(await client.logs('talker', { limitBytes: 5 })).toMatchObject({
      content: 'more\n',
      truncated: true,
    });
    expect(await client.logs('nobody')).toBeNull();
  });

  it('syncs the desired set: creates new names, deletes missing ones, leaves existing ones alone', async () => {
    const { client } = agent;
    await client.setTasks([]);
    await vi.waitFor(async () => expect(await client.listTasks()).toEqual([]), patience);
    const sleep = (seconds: string) => ({ command: ['sleep', seconds] });
    // `a` ignores SIGTERM, so it is still being deleted when the next set is answered. It says
    // so once its trap is set: a SIGTERM before that ends it, as it would any command, and the
    // agent may then remove it before that set is answered.
    const stubborn = { command: ['/bin/sh', '-c', "trap '' TERM; echo ignoring TERM; sleep 300"] };
    const first = await client.setTasks([
      { name: 'a', process: stubborn },
      { name: 'b', process: sleep('300') },
    ]);
    expect(first.map((t) => t.name)).toEqual(['a', 'b']);
    const b = first[1];
    await vi.waitFor(async () => {
      expect((await client.logs('a'))?.content).toBe('ignoring TERM\n');
    }, patience);
    const second = await client.setTasks([
      { name: 'b', process: sleep('999') },
      { name: 'c', process: sleep('300') },
    ]);
    expect(second.map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(second[0]?.deletionTimestamp).toBeTruthy();
    const bAfter = second.find((t) => t.name === 'b');
    expect(bAfter).toMatchObject({ uid: b?.uid, process: { command: ['sleep', '300'] } });
    await vi.waitFor(async () => {
      expect((await client.listTasks()).map((t) => t.name)).toEqual(['b', 'c']);
    }, patience);
    await client.setTasks([]);
    await vi.waitFor(async () => expect(await client.listTasks()).toEqual([]), patience);
  });

  it('takes 50 creates at once', async () => {
    const { client } = agent;
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    const results = await Promise.all(
      names.map((name) =>
        client.createTask({ name, process: { command: ['/bin/sh', '-c', `echo ${name}`] } }),
      ),
    );
    expect(new Set(results.map((task) => task.uid)).size).toBe(50);
    await vi.waitFor(async () => {
      const tasks = (await client.listTasks()).filter((t) => t.name.startsWith('burst-'));
      expect(tasks).toHaveLength(50);
      expect(tasks.every((t) => t.processStatus?.terminated?.exitCode === 0)).toBe(true);
    }, patience);
    expect(readLog(agent, 'burst-49')).toBe('burst-49\n');
    await client.setTasks([]);
  });

  it('kills a task and its grandchild on DELETE', async () => {
    const grandchild = join(agent.dir, 'grandchild.pid');
    await agent.client.createTask({
      name: 'tree',
      process: { command: ['/bin/sh', '-c', `sleep 300 & echo $! > ${grandchild}; wait`] },
    });
    const sleeper = await processFrom(grandchild);
    expect(isAlive(sleeper)).toBe(true);
    await agent.client.deleteTask('tree');
    await vi.waitFor(async () => expect(await agent.client.getTask('tree')).toBeNull(), patience);
    expect(isAlive(sleeper)).toBe(false);
  });

  it('times a task out with exit code 137 and reason TaskTimeout', async () => {
    await agent.client.createTask({
      name: 'late',
      process: { command: ['sleep', '300'], timeoutSeconds: 1 },
    });
    const task = await finished(agent, 'late');
    expect(task.processStatus.terminated).toMatchObject({ exitCode: 137, reason: 'TaskTimeout' });
    expect(task.status.phase).toBe('Failed');
  });

  it('deletes only the task with the uid a delete names', async () => {
    const task = await agent.client.createTask({
      name: 'guarded',
      process: { command: ['sleep', '300'] },
    });
    const error = await agent.client
      .deleteTask('guarded', { uid: 'someone-else' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutorApiError);
    expect(error).toMatchObject({ statusCode: 409, agentReason: 'TaskConflict' });
    expect(await agent.client.getTask('guarded')).not.toBeNull();
    await agent.client.deleteTask('guarded', { uid: task.uid as string });
    await vi.waitFor(
      async () => expect(await agent.client.getTask('guarded')).toBeNull(),
      patience,
    );
  });
});

describe('the task-executor API with a concurrency limit of 1', () => {
  let agent: InProcessAgent;

  beforeAll(async () => {
    agent = await startInProcessAgent({ maxConcurrentTasks: 1 });
  });

  afterAll(async () => {
    await agent.stop();
  });

  const names = async () =>
    (await call(agent, 'GET', '/getTasks')).body.map((t: { name: string }) => t.name);
  const sleeper = (name: string) => ({ name, process: { command: ['sleep', '300'] } });

  it('refuses a second active task with 429, and changes nothing', async () => {
    expect((await call(agent, 'POST', '/tasks', sleeper('one'))).status).toBe(201);
    expect(await call(agent, 'POST', '/tasks', sleeper('two'))).toMatchObject({
      status: 429,
      body: { code: 'Too Many Requests', reason: 'TooManyTasks', limit: 1 },
    });
    expect((await call(agent, 'POST', '/setTasks', [sleeper('one'), sleeper('two')])).status).toBe(
      429,
    );
    expect(await names()).toEqual(['one']);
    expect((await call(agent, 'GET', '/tasks/one')).body.deletionTimestamp).toBeUndefined();
  });

  it('lets a desired set replace the active task, since a task being deleted is not active', async () => {
    const reply = await call(agent, 'POST', '/setTasks', [sleeper('two')]);
    expect(reply.status).toBe(200);
    expect(reply.body.map((t: { name: string }) => t.name)).toContain('two');
    await vi.waitFor(async () => expect(await names()).toEqual(['two']), patience);
  });

  it('takes a new task once the active one has finished', async () => {
    await call(agent, 'POST', '/setTasks', [{ name: 'quick', process: { command: ['true'] } }]);
    await finished(agent, 'quick');
    expect((await call(agent, 'POST', '/tasks', sleeper('three'))).status).toBe(201);
  });
});

describe('the task-executor API with a bearer token', () => {
  const token = 'not-a-real-secret-4f1c';
  let agent: InProcessAgent;

  beforeAll(async () => {
    agent = await startInProcessAgent({ authToken: token });
  });

  afterAll(async () => {
    await agent.stop();
  });

  it('refuses requests without the token, keeps /health open, and serves requests with it', async () => {
    const anonymous = await fetch(`${agent.url}/getTasks`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`${agent.url}/tasks`, {
      method: 'POST',
      headers: { authorization: 'Bearer guess' },
      body: JSON.stringify({ name: 'sneaky', process: { command: ['true'] } }),
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${agent.url}/health`)).status).toBe(200);
    expect(agent.supervisor.get('sneaky')).toBeUndefined();
    await agent.client.createTask({ name: 'allowed', process: { command: ['true'] } });
    expect(await agent.client.getTask('allowed')).not.toBeNull();
  });

  it('never puts the token in an error', async () => {
    const error = await agent.client.getTask('../x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutorApiError);
    expect(
      JSON.stringify({ ...(error as object), message: (error as Error).message }),
    ).not.toContain(token);
  });
});

/** A task carrying its process in both shapes, each with an unknown key nested 10 000 deep. */
function deeplyNested(name: string): string {
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const process = `{"command":["true"],"extra":${deep}}`;
  return `{"name":"${name}","process":${process},"spec":{"process":${process}}}`;
}

function readLog(agent: InProcessAgent, name: string): string {
  return readFileSync(join(agent.dir, 'data', name, 'stdout.log'), 'utf8');
}
