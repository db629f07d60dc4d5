import { printableText } from '@roundhouse/core';
import { storedText } from './stored-text.js';

/** One column of a table: its header and how a row fills it. */
export interface Column<Row> {
  readonly header: string;
  /** The cell's text: it comes from the cluster, so the table escapes it. */
  readonly value: (row: Row) => string;
  /** The CLI's own styling (colour) of a cell's escaped text, which escaping would break. */
  readonly style?: ((text: string, row: Row) => string) | undefined;
}

/**
 * A kubectl-style table: upper-case headers (`-o custom-columns` keeps the user's), columns
 * left-aligned and three spaces apart (at least `minWidth` wide with the spaces), no trailing
 * spaces. Every cell is escaped (`printableText`) before anything else, so no cell can move
 * the cursor or break a row, and the widths count the characters that will show; styling comes
 * last and is not counted. An empty cell is not styled: its colour codes would hold the
 * padding before them at the end of the line.
 */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  layout: {
    readonly headersAsGiven?: boolean | undefined;
    readonly minWidth?: number | undefined;
  } = {},
): string {
  const minWidth = layout.minWidth ?? 0;
  const lines = [
    columns.map((c) => cell(layout.headersAsGiven ? c.header : c.header.toUpperCase())),
    ...rows.map((row) =>
      columns.map(({ value, style }) => cell(value(row), style && ((text) => style(text, row)))),
    ),
  ];
  const widths = columns.map((_, i) =>
    Math.max(...lines.map((line) => [...(line[i]?.text ?? '')].length)),
  );
  return lines
    .map((line) =>
      line
        .map(({ text, shown }, i) =>
          i === line.length - 1
            ? shown
            : shown + ' '.repeat(Math.max((widths[i] ?? 0) + 3, minWidth) - [...text].length),
        )
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The most characters a cell shows, past any Kubernetes name (253): a status message or a
 * parameter of a megabyte, which whoever writes the object chooses, would otherwise widen every
 * row of its column and be escaped again on every redraw of a live view.
 */
export const cellLimit = 512;

function cell(value: unknown, style?: (text: string) => string) {
  const text = shortened(storedText(value));
  return { text, shown: text && style ? style(text) : text };
}

/**
 * The escaped text, cut at `cellLimit` characters with a `…`. Only a prefix is escaped: twice
 * as many UTF-16 units as the limit hold at least that many characters, and a surrogate pair
 * the slice splits lies past the cut.
 */
function shortened(text: string): string {
  const shown = [...printableText(text.slice(0, 2 * cellLimit))];
  return shown.length > cellLimit ? `${shown.slice(0, cellLimit - 1).join('')}…` : shown.join('');
}
