import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { stripColor } from '../test/strip-color.js';
import { cellLimit, renderTable } from './table.js';

describe('renderTable', () => {
  const columns = [
    { header: 'name', value: (r: { name: string; phase: string }) => r.name },
    { header: 'phase', value: (r: { name: string; phase: string }) => r.phase },
  ];

  it('aligns columns three spaces apart under upper-case headers, without trailing spaces', () => {
    expect(
      renderTable(columns, [
        { name: 'restart-1', phase: 'Running' },
        { name: 'r', phase: '' },
      ]),
    ).toBe('NAME        PHASE\nrestart-1   Running\nr');
  });

  it('styles cells after measuring them, and leaves empty ones unstyled', () => {
    const c = createColors(true);
    const table = renderTable(
      [
        { ...(columns[1] as (typeof columns)[1]), style: (text: string) => c.red(text) },
        columns[0] as (typeof columns)[0],
      ],
      [
        { name: 'a', phase: 'Failed' },
        { name: 'b', phase: '' },
      ],
    );
    expect(table).toContain(c.red('Failed'));
    expect(stripColor(table)).toBe('PHASE    NAME\nFailed   a\n         b');
  });

  it('escapes what a cell holds before measuring it, and keeps ordinary UTF-8', () => {
    expect(
      renderTable(columns, [
        { name: 'évé-数据-🚀', phase: 'ok' },
        { name: 'x\u001b]52;c;aGk=\u0007\u001b[2J', phase: 'a\nb\tc' },
      ]),
    ).toBe(
      [
        'NAME                         PHASE',
        'évé-数据-🚀                     ok',
        'x\\x1b]52;c;aGk=\\x07\\x1b[2J   a\\nb\\tc',
      ].join('\n'),
    );
  });

  it('cuts a huge cell short, after escaping it, so one value cannot widen the table', () => {
    const message = `\u001b[2J${'x'.repeat(4 * 1024 * 1024)}`;
    const table = renderTable(columns, [
      { name: 'huge', phase: message },
      { name: 'emoji', phase: '👋'.repeat(cellLimit) },
      { name: 'fits', phase: 'y'.repeat(cellLimit) },
    ]);
    const [, huge, emoji, fits] = table.split('\n');
    expect(huge).toBe(`huge    \\x1b[2J${'x'.repeat(cellLimit - 8)}…`);
    expect(emoji).toBe(`emoji   ${'👋'.repeat(cellLimit)}`);
    expect(fits).toBe(`fits    ${'y'.repeat(cellLimit)}`);
  });
});
