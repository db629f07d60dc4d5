import { describe, expect, it } from 'vitest';
import { JsonPathEvaluationError, renderJsonPath } from './jsonpath-output.js';
import { JsonPathSyntaxError, parseJsonPath } from './jsonpath-template.js';

/** The input of kubectl's JSONPath reference (kubernetes.io/docs/reference/kubectl/jsonpath). */
const documented = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: {
        capacity: { cpu: '4' },
        addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }],
      },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

const run = (template: string, data: unknown = documented) =>
  renderJsonPath(parseJsonPath(template), data);

describe('-o jsonpath, on the examples of kubectl reference', () => {
  it.each([
    ['{.kind}', 'List'],
    ["{['kind']}", 'List'],
    ['{..name}', '127.0.0.1 127.0.0.2 myself e2e'],
    ['{.items[*].metadata.name}', '127.0.0.1 127.0.0.2'],
    ['{.users[0].name}', 'myself'],
    [
      "{.items[*]['metadata.name', 'status.capacity']}",
      '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
    ],
    ['{.users[?(@.name=="e2e")].user.password}', 'secret'],
    [
      '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}',
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    ],
    ["{range .items[*]}{.metadata.name}{'\\t'}{end}", '127.0.0.1\t127.0.0.2\t'],
    ['{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'],
  ])('%s prints %j', (template, printed) => {
    expect(run(template)).toBe(printed);
  });

  it('prints slices, negative indexes and steps as kubectl does', () => {
    const data = { a: [0, 1, 2, 3, 4] };
    expect(run('{.a[-1]}', data)).toBe('4');
    expect(run('{.a[-2:]}', data)).toBe('3 4');
    expect(run('{.a[1:4:2]}', data)).toBe('1 3');
    expect(run('{.a[0,2]}', data)).toBe('0 2');
    expect(run('{.a}', data)).toBe('[0,1,2,3,4]');
  });
});

describe('-o jsonpath, as scripts use it on an execution', () => {
  const execution = {
    metadata: { name: 'restart-1', labels: { team: 'b', app: 'a<b>' } },
    spec: { parameters: null },
    status: {
      phase: 'Failed',
      attempt: 2,
      progress: 0.00001,
      conditions: [
        { type: 'Ready', status: 'False', lastTransitionTime: '2026-12-05T10:00:00Z' },
        { type: 'Completed', status: 'True', message: 'first line\nsecond\x1b[2J' },
      ],
    },
  };

  it('prints a field, nothing for a missing one, and literal text with {"\\n"} escapes', () => {
    expect(run('{.status.phase}', execution)).toBe('Failed');
    expect(run('{.status.startTime}', execution)).toBe('');
    expect(run('{.nope.deeper[*].x}', execution)).toBe('');
    expect(run('phase={.status.phase}{"\\n"}', execution)).toBe('phase=Failed\n');
    expect(run("{\"\\x41\\u00e9\\t\"}{'it\\'s'}", execution)).toBe("Aé\tit's");
  });

  it('selects conditions with a filter, by == and by existence', () => {
    expect(run('{.status.conditions[?(@.type=="Completed")].status}', execution)).toBe('True');
    expect(run("{.status.conditions[?(@.type != 'Ready')].type}", execution)).toBe('Completed');
    expect(run('{.status.conditions[?(@.message)].type}', execution)).toBe('Completed');
    expect(run('{.status.conditions[?(@.type=="Nope")].status}', execution)).toBe('');
    const odd = {
      a: [
        { m: 'x)y', n: 1 },
        { m: 'z', n: 2 },
      ],
    };
    expect(run('{.a[?(@.m=="x)y")].n}', odd)).toBe('1');
    expect(run('{.a[?(@.n>1)].m}', odd)).toBe('z');
  });

  it('prints numbers, null and objects as kubectl (Go) prints them', () => {
    expect(run('{.status.attempt} {.status.progress} {.spec.parameters}', execution)).toBe(
      '2 1e-05 <nil>',
    );
    expect(run('{.metadata.labels}', execution)).toBe('{"app":"a\\u003cb\\u003e","team":"b"}');
  });

  it("escapes the object's hidden characters but keeps its line breaks", () => {
    expect(run('{.status.conditions[1].message}', execution)).toBe('first line\nsecond\\x1b[2J');
  });

  it('ranges over a list, one line each', () => {
    const list = { items: [execution, { metadata: { name: 'other' }, status: {} }] };
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', list)).toBe(
      'restart-1\tFailed\nother\t\n',
    );
  });

  it('fails where kubectl fails: an index past the end, a comparison of unlike types', () => {
    expect(() => run('{.items[0].metadata.name}', { items: [] })).toThrow(
      new JsonPathEvaluationError('array index out of bounds: index 0, length 0'),
    );
    expect(() => run('{.status.conditions[?(@.type==1)]}', execution)).toThrow(
      JsonPathEvaluationError,
    );
  });
});

describe('a malformed template', () => {
  it.each([
    ['{.status.phase', 'unclosed action: no "}" at character 15'],
    ['x{end}', '{end} without a {range} before it at character 2'],
    ['{.a[1}', 'unterminated [ (no "]") at character 4'],
    ['{.a[?(@.b=="c"}', 'unterminated filter: no ")]" at character 4'],
    ['{.a[?(@.b=>1)]}', 'unknown operator "=>" (use == != < > <= >=) at character 10'],
    ['{.a[?(@.b=~"^c")]}', 'unknown operator "=~" (use == != < > <= >=) at character 10'],
    ['{.a[x]}', '"x" is not an index, a slice, * or a \'key\' at character 4'],
    ['{.a %}', 'unexpected "%" at character 5'],
    ['{.a range}', '"range" is only understood at the start of {} at character 5'],
  ])('%s is refused: %s', (template, message) => {
    expect(() => parseJsonPath(template)).toThrow(new JsonPathSyntaxError('', 0).constructor);
    expect(() => parseJsonPath(template)).toThrow(message);
  });
});
