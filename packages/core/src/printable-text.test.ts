import { describe, expect, it } from 'vitest';
import { printableJson, printableText } from './printable-text.js';

describe('printableText', () => {
  it('escapes what a terminal would execute: C0 controls, DEL and C1 controls', () => {
    expect(printableText('a\u001b]52;c;aGk=\u0007\u001b[2Jb')).toBe(
      'a\\x1b]52;c;aGk=\\x07\\x1b[2Jb',
    );
    expect(printableText('\u0000\u0008\u007f\u0080\u0085\u009b6n\u009f')).toBe(
      '\\x00\\x08\\x7f\\x80\\x85\\x9b6n\\x9f',
    );
    expect(printableText('one\ntwo\r\tthree')).toBe('one\\ntwo\\r\\tthree');
  });

  it('escapes bidi controls and invisible characters that would disguise text', () => {
    expect(printableText('\u202a\u202b\u202c\u202d\u202e \u2066\u2067\u2068\u2069')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u202e \\u2066\\u2067\\u2068\\u2069',
    );
    expect(printableText('a\u200bb\u200cc\u200dd\u200ee\u200ff\u061cg\ufeffh\u00adi')).toBe(
      'a\\u200bb\\u200cc\\u200dd\\u200ee\\u200ff\\u061cg\\ufeffh\\xadi',
    );
    expect(printableText('\u2028\u2029\u2060\u{e0041}')).toBe('\\u2028\\u2029\\u2060\\u{e0041}');
  });

  it('escapes a lone surrogate, which the API server would store as U+FFFD, and keeps a pair', () => {
    expect(printableText('a\ud800b\udfffc')).toBe('a\\ud800b\\udfffc');
    expect(printableText('\ud83d\ude80')).toBe('🚀');
  });

  it('prints ordinary UTF-8 as is', () => {
    const text = 'café Ærøskøbing naïve 数据库 データ 한국어 🚀 👍🏽 ❤️ ✔ ⠋ "quoted" back\\slash';
    expect(printableText(text)).toBe(text);
  });

  it('lets through only what the output kind keeps', () => {
    expect(printableText('a\tb\nc\u001b', '\t')).toBe('a\tb\\nc\\x1b');
    expect(printableText('a\tb\nc\u001b', '\n')).toBe('a\\tb\nc\\x1b');
  });
});

describe('printableJson', () => {
  it('writes what JSON.stringify leaves raw as JSON escapes, so the line decodes to the same values', () => {
    const value = { msg: 'a\u009b2Jb\u202e\u2028c\u007f', tag: '\u{e0041}', plain: 'é 漢 😀' };
    const line = `${JSON.stringify(value)}\n`;
    const printable = printableJson(line);
    expect(printable).toBe(
      '{"msg":"a\\u009b2Jb\\u202e\\u2028c\\u007f","tag":"\\udb40\\udc41","plain":"é 漢 😀"}\n',
    );
    expect(JSON.parse(printable)).toEqual(value);
  });
});
