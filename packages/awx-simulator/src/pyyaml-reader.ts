/**
 * PyYAML's Reader over text (yaml/reader.py), as its scanner sees it: the text as code points
 * with a `\0` after the last, a position counted as Reader.forward counts it (`\r\n` one line
 * break, a BOM no column), and the ReaderError it raises before reading anything when the text
 * holds a character YAML does not allow.
 */
import { markedErrorText } from './pyyaml-marks.js';

/** Where the reader was: Reader.get_mark, by code point. */
export interface Mark {
  readonly index: number;
  readonly line: number;
  readonly column: number;
}

/** A ScannerError, ParserError or ComposerError: MarkedYAMLError's parts. */
export class MarkedSyntaxError extends Error {
  constructor(
    readonly context: string | undefined,
    readonly contextMark: Mark | undefined,
    readonly problem: string,
    readonly problemMark: Mark,
  ) {
    super(problem);
    this.name = 'MarkedSyntaxError';
  }
}

// Reader.NON_PRINTABLE: outside tab, line breaks, printable ASCII, NEL and the BMP's and the
// astral planes' characters but for surrogates and U+FFFE, U+FFFF.
const NON_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Reader.check_printable's ReaderError, as str() words it, or nothing. */
export function readerError(text: string): string | undefined {
  const found = NON_PRINTABLE.exec(text);
  if (found === null) return undefined;
  const code = found[0].codePointAt(0) ?? 0;
  const position = Array.from(text.slice(0, found.index)).length;
  return (
    `unacceptable character #x${code.toString(16).padStart(4, '0')}: special characters are ` +
    `not allowed\n  in "<unicode string>", position ${position}`
  );
}

export class Reader {
  readonly #text: string;
  readonly #buffer: readonly string[];
  #index = 0;
  #line = 0;
  #column = 0;

  constructor(text: string) {
    this.#text = text;
    this.#buffer = [...Array.from(text), '\0'];
  }

  get index(): number {
    return this.#index;
  }

  get line(): number {
    return this.#line;
  }

  get column(): number {
    return this.#column;
  }

  /** The character `at` ahead; past the end, `\0` as PyYAML's buffer ends. */
  peek(at = 0): string {
    return this.#buffer[this.#index + at] ?? '\0';
  }

  prefix(length: number): string {
    return this.#buffer.slice(this.#index, this.#index + length).join('');
  }

  forward(length = 1): void {
    for (let step = 0; step < length; step++) {
      const char = this.#buffer[this.#index] ?? '\0';
      this.#index++;
      if ('\n\x85\u2028\u2029'.includes(char) || (char === '\r' && this.peek() !== '\n')) {
        this.#line++;
        this.#column = 0;
      } else if (char !== '\uFEFF') this.#column++;
    }
  }

  mark(): Mark {
    return { index: this.#index, line: this.#line, column: this.#column };
  }

  /** str() of a MarkedYAMLError raised on this text. */
  errorText(error: MarkedSyntaxError): string {
    const offset = (mark: Mark) => this.#buffer.slice(0, mark.index).join('').length;
    return markedErrorText(this.#text, {
      context: error.context,
      contextAt: error.contextMark === undefined ? undefined : offset(error.contextMark),
      problem: error.problem,
      problemAt: offset(error.problemMark),
    });
  }
}
