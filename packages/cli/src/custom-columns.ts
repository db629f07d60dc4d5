import { RoundhouseError } from '@roundhouse/core';
import { goNumber, jsonPathValues } from './jsonpath-output.js';
import { type JsonPathTemplate, parseJsonPath } from './jsonpath-template.js';
import { renderTable } from './table.js';

/** One column of `-o custom-columns=HEADER:PATH,...`. */
export interface CustomColumn {
  readonly header: string;
  readonly path: JsonPathTemplate;
}

/** A `-o custom-columns` spec kubectl would refuse; the message says which part. */
export class CustomColumnsSyntaxError extends RoundhouseError {
  readonly reason = 'InvalidCustomColumns';
}

/** kubectl's relaxed path: `metadata.name`, `.metadata.name` and `{metadata.name}` all work. */
const relaxedPath = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/**
 * Reads a spec as kubectl does: columns split at ",", each at its first ":", so a path may hold
 * ":" (a slice `[0:1]`) but never ",". A path's own mistake is JsonPathSyntaxError, positioned
 * in the column's path.
 */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec === '') {
    throw new CustomColumnsSyntaxError('custom-columns needs columns, such as NAME:.metadata.name');
  }
  return spec.split(',').map((column) => {
    const colon = column.indexOf(':');
    if (colon < 0) {
      throw new CustomColumnsSyntaxError(
        `${JSON.stringify(column)} is not HEADER:PATH (a path holds no ",")`,
      );
    }
    const header = column.slice(0, colon);
    const path = column.slice(colon + 1);
    if (path === '') return { header, path: [] };
    const match = relaxedPath.exec(path);
    if (!match) {
      throw new CustomColumnsSyntaxError(
        `${JSON.stringify(path)} is not a path such as .metadata.name or {.metadata.name}`,
      );
    }
    return { header, path: parseJsonPath(`{.${match[1] ?? match[2]}}`) };
  });
}

/**
 * The table kubectl prints: headers as written, one row per object, each cell every value its
 * path finds in Go's `%v` joined by ",", `<none>` for none; columns at least 10 wide, as
 * kubectl's tabwriter makes them.
 */
export function renderCustomColumns(
  columns: readonly CustomColumn[],
  objects: readonly unknown[],
): string {
  return `${renderTable(
    columns.map((column) => ({
      header: column.header,
      value: (object: unknown) => {
        const values = jsonPathValues(column.path, object);
        return values.length ? values.map(goValue).join(',') : '<none>';
      },
    })),
    objects,
    { headersAsGiven: true, minWidth: 10 },
  )}\n`;
}

/** Go's `%v` of a decoded JSON value: `map[a:1 b:[x y]]`, keys sorted. */
function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return goNumber(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, v]) => `${k}:${goValue(v)}`).join(' ')}]`;
  }
  return String(value);
}
