import { describe, expect, it } from 'vitest';
import { safeText } from './safe-text.js';

describe('safeText', () => {
  it('escapes what a terminal would execute: C0 controls, DEL and C1 controls', () => {
    expect(safeText('a\u001b]52;c;aGk=\u0007\u001b[2Jb')).toBe('a\\x1b]52;c;aGk=\\x07\\x1b[2Jb');
    expect(safeText('\u0000\u0008\u007f\u0080\u0085\u009b6n\u009f')).toBe(
      '\\x00\\x08\\x7f\\x80\\x85\\x9b6n\\x9f',
    );
    expect(safeText('one\ntwo\r\tthree')).toBe('one\\ntwo\\r\\tthree');
  });

  it('escapes bidi controls and invisible characters that would disguise text', () => {
    expect(safeText('\u202a\u202b\u202c\u202d\u202e \u2066\u2067\u2068\u2069')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u202e \\u2066\\u2067\\u2068\\u2069',
    );
    expect(safeText('a\u200bb\u200cc\u200dd\u200ee\u200ff\u061cg\ufeffh\u00adi')).toBe(
      'a\\u200bb\\u200cc\\u200dd\\u200ee\\u200ff\\u061cg\\ufeffh\\xadi',
    );
    expect(safeText('\u2028\u2029\u2060\u{e0041}')).toBe('\\u2028\\u2029\\u2060\\u{e0041}');
  });

  it('prints ordinary UTF-8 as is', () => {
    const text = 'café Ærøskøbing naïve 数据库 データ 한국어 🚀 👍🏽 ❤️ ✔ ⠋ "quoted" back\\slash';
    expect(safeText(text)).toBe(text);
  });

  it('lets through only what the output kind keeps', () => {
    expect(safeText('a\tb\nc\u001b', '\t')).toBe('a\tb\\nc\\x1b');
    expect(safeText('a\tb\nc\u001b', '\n')).toBe('a\\tb\nc\\x1b');
  });
});
