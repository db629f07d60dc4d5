/** One column of a table: its header and how a row fills it. */
export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
}

/**
 * A kubectl-style table: upper-case headers, columns left-aligned and three spaces apart, no
 * trailing spaces. Widths count characters; `visible` strips styling (colour codes) first so a
 * coloured cell lines up with plain ones.
 */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  visible: (text: string) => string = (text) => text,
): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => c.value(row))),
  ];
  const widths = columns.map((_, i) =>
    Math.max(...cells.map((line) => [...visible(line[i] ?? '')].length)),
  );
  return cells
    .map((line) =>
      line
        .map((cell, i) =>
          i === line.length - 1
            ? cell
            : cell + ' '.repeat((widths[i] ?? 0) - [...visible(cell)].length + 3),
        )
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
