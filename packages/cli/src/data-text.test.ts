import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jsonText, yamlText } from './data-text.js';

const hostile = {
  metadata: { name: 'x', annotations: { 'note\u202e': 'a\u009b2Jb' } },
  spec: {
    targetResource: 'prod/deployment/\u202eppa',
    parameters: {
      A: 'esc\u001b]52;c;aGk=\u0007',
      B: 'del\u007f',
      C: 'tag\u{e0041}',
      D: 'zw\u200bj',
    },
  },
  status: { message: 'line one\nline two\tand a tab', other: 'sep\u2028x' },
};

/** Any character a terminal would act on or hide, raw; `\n` and `\t` are the format's own. */
const raw = /[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/u;

describe('jsonText', () => {
  it('escapes every hidden character, and the JSON reads back as the same object', () => {
    const text = jsonText(hostile);
    expect(text).not.toMatch(raw);
    expect(text).toContain('"targetResource": "prod/deployment/\\u202eppa"');
    expect(text).toContain('"C": "tag\\udb40\\udc41"');
    expect(JSON.parse(text)).toEqual(hostile);
  });
});

describe('yamlText', () => {
  it('escapes every hidden character in double quotes, and the YAML reads back as the same object', () => {
    const text = yamlText(hostile);
    expect(text).not.toMatch(raw);
    expect(text).toContain('"note\\u202e": "a\\x9b2Jb"');
    expect(text).toContain('C: "tag\\U000e0041"');
    expect(text).toContain('A: "esc\\e]52;c;aGk=\\a"');
    expect(parse(text)).toEqual(hostile);
  });

  it('leaves plain text as the YAML writer has it', () => {
    expect(yamlText({ a: 'grüß dich 你好 👋', b: 'two\nlines' })).toBe(
      'a: grüß dich 你好 👋\nb: |-\n  two\n  lines\n',
    );
  });
});
