import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';
import { stripColor } from './terminal.js';

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

  it('measures coloured cells by what is visible', () => {
    const red = '\u001b[31mFailed\u001b[39m';
    const table = renderTable(
      [columns[1] as (typeof columns)[1], columns[0] as (typeof columns)[0]],
      [{ name: 'a', phase: red }],
      stripColor,
    );
    expect(stripColor(table)).toBe('PHASE    NAME\nFailed   a');
  });
});
