import { describe, expect, it } from 'vitest';
import { colorEnabled, stripColor, terminal } from './terminal.js';

describe('terminal', () => {
  it('colours only a terminal, and never with NO_COLOR or a dumb terminal', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(true, { TERM: 'dumb' })).toBe(false);
  });

  it('draws live only on a terminal, and writes plain text elsewhere', () => {
    const write = () => true;
    const piped = terminal({ write, isTTY: false } as never, { write } as never, {});
    expect(piped.live).toBe(false);
    expect(piped.colors.red('x')).toBe('x');
    const tty = terminal({ write, isTTY: true, rows: 24 } as never, { write } as never, {
      NO_COLOR: '1',
    });
    expect(tty.live).toBe(true);
    expect(tty.colors.red('x')).toBe('x');
    const unsized = terminal({ write, isTTY: true, rows: 0 } as never, { write } as never, {});
    expect(unsized.live).toBe(false);
  });

  it('strips colour codes', () => {
    expect(stripColor('\u001b[32mok\u001b[39m \u001b[1;31mno\u001b[0m')).toBe('ok no');
  });
});
