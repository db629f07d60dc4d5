import { InvalidArgumentError } from 'commander';
import {
  type CustomColumn,
  CustomColumnsSyntaxError,
  parseCustomColumns,
} from './custom-columns.js';
import { JsonPathSyntaxError, type JsonPathTemplate, parseJsonPath } from './jsonpath-template.js';

/** The formats named by a word, which shell completion offers. */
export const namedOutputs = ['wide', 'json', 'yaml', 'name'] as const;

/** `get -o`: a table when not given, a named format, or kubectl's `jsonpath=TEMPLATE` or
 * `custom-columns=HEADER:PATH,...`. */
export type OutputFormat =
  | 'table'
  | (typeof namedOutputs)[number]
  | { readonly jsonpath: JsonPathTemplate }
  | { readonly customColumns: readonly CustomColumn[] };

/**
 * Reads `-o`. A template or a column spec is parsed here, before any request, so a mistake in it
 * is a usage error naming it and where in it, as kubectl refuses it before it asks the API
 * server.
 */
export function outputFormat(value: string): OutputFormat {
  if ((namedOutputs as readonly string[]).includes(value)) {
    return value as (typeof namedOutputs)[number];
  }
  const [kind, given] = [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)];
  try {
    if (kind === 'jsonpath') {
      if (given === '') {
        throw new InvalidArgumentError(
          "jsonpath= needs a template, such as jsonpath='{.status.phase}'",
        );
      }
      return { jsonpath: parseJsonPath(given) };
    }
    if (kind === 'custom-columns') return { customColumns: parseCustomColumns(given) };
  } catch (error) {
    if (!(error instanceof JsonPathSyntaxError || error instanceof CustomColumnsSyntaxError)) {
      throw error;
    }
    const what = kind === 'jsonpath' ? 'jsonpath template' : 'custom-columns';
    throw new InvalidArgumentError(`${what} ${JSON.stringify(given)}: ${error.message}`);
  }
  throw new InvalidArgumentError(
    `Allowed choices are ${namedOutputs.join(', ')}, jsonpath=TEMPLATE, custom-columns=SPEC.`,
  );
}
