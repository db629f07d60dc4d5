/**
 * The `format`s a credential input may declare, checked as JSONSchemaField.format_checker's
 * functions in awx/main/fields.py check them: `ssh_private_key` (format_ssh_private_key),
 * `vault_id` (format_vault_id) and `url` (format_url). A checker gives the FormatError's message,
 * or nothing; where AWX's checker raises anything else the request ends in AWX's 500.
 */
import { readSshPrivateKey } from './pem.js';
import { pythonTypeName } from './python-json.js';
import { PythonTypeError, pythonContains, pythonTruth } from './python-operators.js';
import { AwxServerError } from './replies.js';

function sshPrivateKey(value: unknown): string | undefined {
  if (!pythonTruth(value) || value === '$encrypted$') return undefined;
  if (typeof value !== 'string') {
    throw new AwxServerError(`format_ssh_private_key cannot read a ${pythonTypeName(value)}`);
  }
  // GCE hands out keys whose final `=` is JSON-escaped; AWX reads them unescaped.
  const objects = readSshPrivateKey(value.replaceAll('\\u003d', '='));
  return typeof objects === 'string' ? objects : undefined;
}

function vaultId(value: unknown): string | undefined {
  try {
    return pythonContains(value, '@') ? '@ is not an allowed character' : undefined;
  } catch (error) {
    if (error instanceof PythonTypeError) throw new AwxServerError(error.message);
    throw error;
  }
}

// urllib.parse.urlsplit: a scheme is a letter, then letters, digits, `+`, `-` or `.`.
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// What urlsplit removes anywhere (tab, CR, LF).
const UNSAFE = /[\t\r\n]/g;

/** urlsplit first strips the WHATWG C0 controls and spaces from the start. */
function stripLeadingControls(text: string): string {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 0x20) start += 1;
  return text.slice(start);
}

/** format_url: urlparse must find a scheme and a network location. */
function url(value: unknown): string | undefined {
  // urlparse decodes any value that is not text, falsy ones as '', others fail.
  if (typeof value !== 'string' && pythonTruth(value)) {
    return `'${pythonTypeName(value)}' object has no attribute 'decode'`;
  }
  const text = typeof value === 'string' ? value : '';
  let rest = stripLeadingControls(text).replace(UNSAFE, '');
  const scheme = SCHEME.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  let netloc = '';
  if (rest.startsWith('//')) {
    netloc = /^[^/?#]*/.exec(rest.slice(2))?.[0] ?? '';
    if (netloc.includes('[') !== netloc.includes(']')) return 'Invalid IPv6 URL';
  }
  if (!scheme) return 'Invalid URL: Missing url scheme (http, https, etc.)';
  if (netloc === '') return `Invalid URL: ${text}`;
  return undefined;
}

const CHECKERS: Readonly<Record<string, (value: unknown) => string | undefined>> = {
  ssh_private_key: sshPrivateKey,
  vault_id: vaultId,
  url,
};

/** The message of a value's failure of `format`; a format AWX has no checker for passes. */
export function formatProblem(format: string, value: unknown): string | undefined {
  return Object.hasOwn(CHECKERS, format) ? CHECKERS[format]?.(value) : undefined;
}
