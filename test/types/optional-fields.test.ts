import { globSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedOptionals } from './optional-fields.js';

const root = new URL('../../', import.meta.url).pathname;

describe('optional fields under exactOptionalPropertyTypes', () => {
  it('every optional field the packages and examples declare also takes undefined, so a strict caller may pass an unset value on', () => {
    const files = globSync('{packages,examples}/*/src/**/*.ts', { cwd: root })
      .filter((file) => !/\.test(-support)?\.ts$/.test(file))
      .map((file) => join(root, file));
    expect(files.length).toBeGreaterThan(450);
    const found = closedOptionals(files).map(
      (f) => `${f.file.slice(root.length)}:${f.line} ${f.name}`,
    );
    expect(found).toEqual([]);
  });

  describe('the check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optional-fields-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('finds a closed optional field, nested ones too, and leaves open ones alone', () => {
      const file = join(dir, 'options.ts');
      writeFileSync(
        file,
        [
          'export type Maybe = string | undefined;',
          'export interface Options {',
          '  readonly retries?: number;',
          '  readonly onRetry?: (attempt: number) => void;',
          '  readonly nested?: { readonly depth?: number } | undefined;',
          '  readonly open?: string | undefined;',
          '  readonly alias?: Maybe;',
          '  readonly anything?: unknown;',
          '}',
          '',
        ].join('\n'),
      );
      const found = closedOptionals([file]);
      expect(found.map((f) => [f.line, f.name, f.parenthesize])).toEqual([
        [3, 'retries', false],
        [4, 'onRetry', true],
        [5, 'depth', false],
      ]);
    });
  });
});
