import { printableText } from '@roundhouse/core';
import type { OutputConfiguration } from 'commander';
import type { Terminal } from './terminal.js';

/**
 * Where commander writes its help and its usage errors. An error quotes what was typed (`unknown
 * option '…'`, `argument '…' is invalid`), and a command line can come from a script fed
 * someone else's text (a name copied from an Event, a pasted value), so the quote is escaped as
 * the cluster's text is: an ESC sequence in it would otherwise run in the terminal.
 */
export function commanderOutput(term: Terminal): OutputConfiguration {
  return {
    writeOut: (text) => term.out.write(text),
    writeErr: (text) => term.err.write(text),
    outputError: (text, write) => write(printableText(text, '\n')),
  };
}
