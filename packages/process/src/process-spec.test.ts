import { describe, expect, it } from 'vitest';
import {
  canonicalRequest,
  ProcessSpecSchema,
  sameRequest,
  TaskRequestSchema,
} from './process-spec.js';

describe('the process spec', () => {
  it('takes what OpenSandbox sends', () => {
    const spec = {
      command: ['sh', '-c'],
      args: ['echo hi'],
      env: [{ name: 'K', value: 'V' }],
      workingDir: '/app',
      timeoutSeconds: 30,
      execMode: 'Local',
    };
    expect(ProcessSpecSchema.parse(spec)).toEqual(spec);
  });

  it.each([
    [{ command: [] }, 'command', 'must name the program to run'],
    [{ command: [''] }, 'command', 'the program name must not be empty'],
    [{ command: 'ls -l' }, 'command', 'must be an array of strings'],
    [{ command: ['ls'], workingDir: 'rel' }, 'workingDir', 'must be an absolute path'],
    [
      { command: ['ls'], timeoutSeconds: 1.5 },
      'timeoutSeconds',
      'must be a whole number of seconds',
    ],
    [{ command: ['ls'], timeoutSeconds: 0 }, 'timeoutSeconds', 'must be positive'],
    [{ command: ['ls'], env: [{ name: 'A=B', value: '' }] }, 'env.0.name', 'must not contain'],
    [{ command: ['ls'], args: ['a\0b'] }, 'args.0', 'must not contain NUL'],
    [{ command: ['ls'], execMode: 'Elsewhere' }, 'execMode', ''],
    [{ command: ['ls'], lifecycle: { preStart: {} } }, 'lifecycle.preStart.exec', 'only hook'],
    [
      { command: ['ls'], lifecycle: { postStop: { exec: { command: [] } } } },
      'lifecycle.postStop.exec.command',
      'must name the program to run',
    ],
    [
      { command: ['ls'], lifecycle: { preStart: { exec: { command: ['x'] }, execMode: 'Pod' } } },
      'lifecycle.preStart.execMode',
      '',
    ],
    [
      { command: ['ls'], lifecycle: { postStop: { exec: { command: ['x'] }, timeoutSeconds: 0 } } },
      'lifecycle.postStop.timeoutSeconds',
      'must be positive',
    ],
    [{ command: ['ls'], lifecycle: ['x'] }, 'lifecycle', 'must be {preStart?, postStop?}'],
  ])('refuses %j at %s', (spec, path, message) => {
    const result = ProcessSpecSchema.safeParse(spec);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(issue?.message).toContain(message);
  });

  it('takes lifecycle hooks as OpenSandbox sends them', () => {
    const lifecycle = {
      preStart: { exec: { command: ['sh', '-c', 'mkdir -p /w'] }, timeoutSeconds: 10 },
      postStop: { exec: { command: ['rm', '-rf', '/w'] }, execMode: 'Remote' },
    };
    expect(ProcessSpecSchema.parse({ command: ['ls'], lifecycle })).toEqual({
      command: ['ls'],
      lifecycle,
    });
    expect(ProcessSpecSchema.parse({ command: ['ls'], lifecycle: null }).lifecycle).toBeNull();
  });

  it("refuses in a request the variables that would also reach the agent's programs", () => {
    const env = [
      { name: 'PATH', value: '/opt/bin' },
      { name: 'LD_PRELOAD', value: '/tmp/x.so' },
      { name: 'ENV', value: 'production' },
      { name: 'LD_LIBRARY_PATH', value: '/tmp' },
      { name: 'SHELLOPTS', value: 'errexit' },
      { name: 'GLIBC_TUNABLES', value: 'x' },
      { name: 'BASH_FUNC_printf%%', value: '() { :; }' },
    ];
    const result = TaskRequestSchema.safeParse({ name: 't', process: { command: ['ls'], env } });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'process.env.1.name',
      'process.env.3.name',
      'process.env.4.name',
      'process.env.5.name',
      'process.env.6.name',
    ]);
    // A record written before the rule is still read.
    expect(ProcessSpecSchema.parse({ command: ['ls'], env }).env).toEqual(env);
  });

  it('ignores keys it does not know, as the Go agent does', () => {
    expect(ProcessSpecSchema.parse({ command: ['ls'], priority: 3 })).toEqual({ command: ['ls'] });
  });
});

describe('request identity', () => {
  const base = { name: 't', process: { command: ['ls'] } };

  it('treats empty lists, absent values and label order as the same task', () => {
    expect(
      sameRequest(
        {
          ...base,
          process: { command: ['ls'], args: [], env: [{ name: 'A' }] },
          labels: { b: '2', a: '1' },
        },
        {
          ...base,
          process: { command: ['ls'], env: [{ name: 'A', value: '' }] },
          labels: { a: '1', b: '2' },
        },
      ),
    ).toBe(true);
  });

  it('tells a different command, timeout or owner apart', () => {
    expect(sameRequest(base, { ...base, process: { command: ['ls', '-l'] } })).toBe(false);
    expect(sameRequest(base, { ...base, process: { command: ['ls'], timeoutSeconds: 5 } })).toBe(
      false,
    );
    expect(sameRequest(base, { ...base, labels: { owner: 'someone' } })).toBe(false);
  });

  it('tells different hooks apart, and no hooks from an empty lifecycle not', () => {
    const hooked = (command: string[]) => ({
      ...base,
      process: { command: ['ls'], lifecycle: { postStop: { exec: { command } } } },
    });
    expect(sameRequest(hooked(['a']), hooked(['b']))).toBe(false);
    expect(sameRequest(hooked(['a']), hooked(['a']))).toBe(true);
    expect(sameRequest(base, hooked(['a']))).toBe(false);
    expect(sameRequest(base, { ...base, process: { command: ['ls'], lifecycle: {} } })).toBe(true);
  });

  it('writes the canonical form in a fixed key order', () => {
    expect(
      JSON.stringify(
        canonicalRequest({
          labels: { z: '1' },
          process: { timeoutSeconds: 3, command: ['ls'], env: [{ value: 'v', name: 'n' }] },
          name: 't',
        }),
      ),
    ).toBe(
      '{"name":"t","process":{"command":["ls"],"env":[{"name":"n","value":"v"}],"timeoutSeconds":3},"labels":{"z":"1"}}',
    );
  });
});
