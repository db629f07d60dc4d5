import { printableText } from '@roundhouse/core';
import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

/** An output stream; a terminal's also says its size, which the live view wraps to. */
export type OutputStream = NodeJS.WritableStream & {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
};

/** Where a command writes, and how: the shell decides once, the views only follow. */
export interface Terminal {
  readonly out: OutputStream;
  readonly err: OutputStream;
  /** stdout is a sized terminal: progress may redraw in place. Otherwise plain lines only. */
  readonly live: boolean;
  readonly colors: Colors;
  /**
   * A container's log line as printed. kubectl prints logs byte for byte, and so does this to a
   * pipe or a file, where they are data. A terminal would execute the escape sequences in them
   * (anyone who can create an execution chooses what its container writes), and they would
   * break the lines the CLI prints between them, so there they are escaped, tabs kept.
   */
  readonly logText: (line: string) => string;
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org) or the
 * terminal says it is dumb; pipes and CI logs get no control characters at all.
 */
export function colorEnabled(
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function terminal(
  out: OutputStream,
  err: OutputStream,
  env: Readonly<Record<string, string | undefined>>,
): Terminal {
  // A terminal of no rows (a pseudo-terminal nobody sized) cannot show a redrawn frame.
  const live = out.isTTY === true && env.TERM !== 'dumb' && (out.rows ?? 0) > 0;
  return {
    out,
    err,
    live,
    colors: createColors(colorEnabled(out.isTTY === true, env)),
    logText: out.isTTY === true ? (line) => printableText(line, '\t') : (line) => line,
  };
}
