/**
 * The simulator's YAML reading against PyYAML's own, for the corpus in
 * fixtures/pyyaml-errors.py (written to fixtures/pyyaml-errors.json by running it): the same
 * syntax errors in the same words, and the same values where it loads.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from './python-json.js';
import { safeLoad } from './python-yaml.js';
import { jsonCompatible } from './python-yaml-dumps.js';
import { composeYaml } from './pyyaml-composer.js';

interface Case {
  readonly text: string;
  readonly error: string | null;
  readonly loaded: string | null;
}

const corpus = JSON.parse(
  readFileSync(new URL('../fixtures/pyyaml-errors.json', import.meta.url), 'utf8'),
) as Case[];

describe('composeYaml', () => {
  it.each(corpus)('words $text as PyYAML does', ({ text, error }) => {
    const composed = composeYaml(text);
    expect(composed.ok ? undefined : composed.error).toBe(error ?? undefined);
  });

  it.each(corpus.filter((entry) => entry.loaded !== null))(
    'loads $text as PyYAML does',
    ({ text, loaded }) => {
      const value = safeLoad(text);
      const written = value.ok ? jsonCompatible(value.value) : value;
      expect(written.ok ? pythonJsonDumps(written.value) : written.error).toBe(loaded);
    },
  );
});
