import { isDns1123Label, isDns1123Subdomain } from '@roundhouse/core';
import { InputError } from './errors.js';
import { shortQuote } from './quote.js';

/**
 * The parser of a command's object-name argument: a name no object can have (capitals, "_",
 * "/", over 253 characters) is refused before anything is sent, naming the argument, instead of
 * reaching the API server as a 404 that suggests the object is merely missing.
 */
export function objectName(argument: string, kind: string) {
  return (value: string): string => {
    if (isDns1123Subdomain(value)) return value;
    throw new InputError(
      { path: argument, message: `${shortQuote(value)} is not a valid ${kind} name` },
      'a name is lowercase letters, digits, "-" and "." (at most 253), starting and ending with a letter or digit',
    );
  };
}

/** Refuses a namespace no namespace can have, naming where it came from. */
export function checkNamespace(value: string, source: string): string {
  if (isDns1123Label(value)) return value;
  throw new InputError(
    { path: source, message: `${shortQuote(value)} is not a valid namespace` },
    'a namespace is lowercase letters, digits and "-" (at most 63), starting and ending with a letter or digit',
  );
}

/**
 * A name is looked up in one namespace; with -A as well, kubectl refuses rather than pick one,
 * and so does the CLI (it used the current namespace and said nothing of -A).
 */
export function checkNameScope(name: string | undefined, allNamespaces: boolean | undefined): void {
  if (name === undefined || !allNamespaces) return;
  throw new InputError(
    {
      path: '-A',
      message: `cannot be combined with a name (${shortQuote(name)}): a name is looked up in one namespace`,
    },
    'drop -A and give the namespace with -n NAMESPACE, or drop the name to list every namespace',
  );
}
