import { describe, expect, it } from 'vitest';
import { colorEnabled, terminal } from './terminal.js';

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

  it('escapes log lines on a terminal and passes them on byte for byte elsewhere', () => {
    const write = () => true;
    const line = 'ok\tdone \u001b[2J\u001b]0;pwned\u0007 café 数据 🚀';
    const tty = terminal({ write, isTTY: true, rows: 24 } as never, { write } as never, {});
    expect(tty.logText(line)).toBe('ok\tdone \\x1b[2J\\x1b]0;pwned\\x07 café 数据 🚀');
    const piped = terminal({ write, isTTY: false } as never, { write } as never, {});
    expect(piped.logText(line)).toBe(line);
  });
});
