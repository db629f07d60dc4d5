/**
 * The simulator's PyYAML syntax errors against PyYAML's own, for the corpus in
 * fixtures/pyyaml-errors.py (written to fixtures/pyyaml-errors.json by running it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pyyamlSyntaxError } from './pyyaml-parser.js';

interface Case {
  readonly text: string;
  readonly error: string | null;
}

const corpus = JSON.parse(
  readFileSync(new URL('../fixtures/pyyaml-errors.json', import.meta.url), 'utf8'),
) as Case[];

describe('pyyamlSyntaxError', () => {
  it.each(corpus)('words $text as PyYAML does', ({ text, error }) => {
    expect(pyyamlSyntaxError(text)).toBe(error ?? undefined);
  });
});
