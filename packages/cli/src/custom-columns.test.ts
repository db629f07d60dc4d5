import { describe, expect, it } from 'vitest';
import {
  CustomColumnsSyntaxError,
  parseCustomColumns,
  renderCustomColumns,
} from './custom-columns.js';
import { JsonPathSyntaxError } from './jsonpath-template.js';

const executions = [
  {
    metadata: { name: 'restart-1', labels: { team: 'b', app: 'a' } },
    status: {
      phase: 'Failed',
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'Completed', status: 'True' },
      ],
    },
  },
  { metadata: { name: 'r2' }, status: {} },
];

describe('-o custom-columns', () => {
  it("prints kubectl's table: headers as written, at least 10 wide, <none> for nothing", () => {
    const columns = parseCustomColumns(
      'NAME:.metadata.name,phase:{.status.phase},Labels:metadata.labels,TYPES:.status.conditions[*].type',
    );
    expect(renderCustomColumns(columns, executions)).toBe(
      [
        'NAME        phase     Labels              TYPES',
        'restart-1   Failed    map[app:a team:b]   Ready,Completed',
        'r2          <none>    <none>              <none>',
        '',
      ].join('\n'),
    );
  });

  it('takes a filter in a path', () => {
    const columns = parseCustomColumns(
      'N:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status',
    );
    expect(renderCustomColumns(columns, executions)).toBe(
      'N           READY\nrestart-1   False\nr2          <none>\n',
    );
  });

  it('splits a column at its first ":" only, as kubectl does, so a slice or a filter may hold one', () => {
    const columns = parseCustomColumns(
      'FIRST:.status.conditions[0:1].type,C:.status.conditions[?(@.type=="a:b")].status',
    );
    expect(renderCustomColumns(columns, executions)).toBe(
      'FIRST     C\nReady     <none>\n<none>    <none>\n',
    );
  });

  it('refuses a spec kubectl refuses, saying which part', () => {
    expect(() => parseCustomColumns('')).toThrow(CustomColumnsSyntaxError);
    expect(() => parseCustomColumns('NAME')).toThrow('"NAME" is not HEADER:PATH');
    expect(() => parseCustomColumns('A:{.a}{.b}')).toThrow('"{.a}{.b}" is not a path');
    expect(() => parseCustomColumns('A:.a[1')).toThrow(JsonPathSyntaxError);
  });
});
