import { InvalidArgumentError } from 'commander';
import { JsonPathSyntaxError, type JsonPathTemplate, parseJsonPath } from './jsonpath-template.js';

/** The formats named by a word, which shell completion offers. */
export const namedOutputs = ['wide', 'json', 'yaml', 'name'] as const;

/** `get -o`: a table when not given, a named format, or kubectl's `jsonpath=TEMPLATE`. */
export type OutputFormat =
  | 'table'
  | (typeof namedOutputs)[number]
  | { readonly jsonpath: JsonPathTemplate };

/**
 * Reads `-o`. A template is parsed here, before any request, so a mistake in it is a usage error
 * naming the template and where in it, as kubectl refuses it before it asks the API server.
 */
export function outputFormat(value: string): OutputFormat {
  if ((namedOutputs as readonly string[]).includes(value))
    return value as (typeof namedOutputs)[number];
  if (!value.startsWith('jsonpath=')) {
    throw new InvalidArgumentError(
      `Allowed choices are ${namedOutputs.join(', ')}, jsonpath=TEMPLATE.`,
    );
  }
  const template = value.slice('jsonpath='.length);
  if (template === '') {
    throw new InvalidArgumentError(
      "jsonpath= needs a template, such as jsonpath='{.status.phase}'",
    );
  }
  try {
    return { jsonpath: parseJsonPath(template) };
  } catch (error) {
    if (!(error instanceof JsonPathSyntaxError)) throw error;
    throw new InvalidArgumentError(
      `jsonpath template ${JSON.stringify(template)}: ${error.message}`,
    );
  }
}
