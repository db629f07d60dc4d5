/**
 * PyYAML's Scanner (yaml/scanner.py): the same tokens with the same values at the same marks,
 * found in the same order, and the same ScannerErrors. One state machine over one reader
 * (indentation, flow level, possible simple keys, the token queue), so it is one file past ~350
 * lines.
 */
import { pythonStrRepr } from './python-str-repr.js';
import { type Mark, MarkedSyntaxError, Reader } from './pyyaml-reader.js';
import { AwxServerError } from './replies.js';

/** A token by its PyYAML `id`, which ParserError messages quote. */
export type TokenId =
  | '<stream start>'
  | '<stream end>'
  | '<directive>'
  | '<document start>'
  | '<document end>'
  | '<block sequence start>'
  | '<block mapping start>'
  | '<block end>'
  | '['
  | '{'
  | ']'
  | '}'
  | '?'
  | ':'
  | '-'
  | ','
  | '<alias>'
  | '<anchor>'
  | '<tag>'
  | '<scalar>';

export interface Token {
  readonly id: TokenId;
  readonly start: Mark;
  readonly end: Mark;
  /** An alias's or anchor's name, a directive's name, a tag's handle. */
  readonly name?: string | undefined;
  /** A `%YAML` directive's major version, a `%TAG` directive's handle, a scalar's text. */
  readonly value?: number | string | undefined;
  /** A `%TAG` directive's prefix, a tag's suffix. */
  readonly suffix?: string | undefined;
  /** Whether a scalar is plain, which the resolver reads by its text. */
  readonly plain?: boolean | undefined;
}

interface SimpleKey {
  readonly tokenNumber: number;
  readonly required: boolean;
  readonly index: number;
  readonly line: number;
  readonly column: number;
  readonly mark: Mark;
}

const BLANK_OR_END = '\0 \t\r\n\x85\u2028\u2029';
const BREAK_OR_END = '\0\r\n\x85\u2028\u2029';
const BREAKS = '\r\n\x85\u2028\u2029';
const SPACE_OR_END = '\0 \r\n\x85\u2028\u2029';
const HEX = '0123456789ABCDEFabcdef';
const URI_CHARS = "-;/?:@&=+$,_.!~*'()[]%";

const isWordChar = (char: string) => /^[0-9A-Za-z_-]$/.test(char);
const isDigit = (char: string) => char >= '0' && char <= '9';
const found = (char: string) => pythonStrRepr(char);

function scannerError(
  context: string | undefined,
  contextMark: Mark | undefined,
  problem: string,
  problemMark: Mark,
): MarkedSyntaxError {
  return new MarkedSyntaxError(context, contextMark, problem, problemMark);
}

export class Scanner {
  readonly reader: Reader;
  #done = false;
  #flowLevel = 0;
  readonly #tokens: Token[] = [];
  #tokensTaken = 0;
  #indent = -1;
  readonly #indents: number[] = [];
  #allowSimpleKey = true;
  readonly #possibleSimpleKeys = new Map<number, SimpleKey>();

  constructor(text: string) {
    this.reader = new Reader(text);
    const mark = this.reader.mark();
    this.#tokens.push({ id: '<stream start>', start: mark, end: mark });
  }

  /** The next token, which stays next; `undefined` after the stream's end was taken. */
  peek(): Token | undefined {
    while (this.#needMoreTokens()) this.#fetchMoreTokens();
    return this.#tokens[0];
  }

  check(...ids: TokenId[]): boolean {
    const token = this.peek();
    return token !== undefined && ids.includes(token.id);
  }

  next(): Token {
    const token = this.peek();
    if (token === undefined) throw new Error('no token after the end of the stream');
    this.#tokens.shift();
    this.#tokensTaken++;
    return token;
  }

  #needMoreTokens(): boolean {
    if (this.#done) return false;
    if (this.#tokens.length === 0) return true;
    this.#stalePossibleSimpleKeys();
    return this.#nextPossibleSimpleKey() === this.#tokensTaken;
  }

  #fetchMoreTokens(): void {
    const r = this.reader;
    this.#scanToNextToken();
    this.#stalePossibleSimpleKeys();
    this.#unwindIndent(r.column);
    this.#fetcher(r.peek())();
  }

  /** What fetch_more_tokens does on the character the next token starts with. */
  #fetcher(ch: string): () => void {
    const r = this.reader;
    const blankNext = BLANK_OR_END.includes(r.peek(1));
    if (ch === '\0') return () => this.#fetchStreamEnd();
    if (ch === '%' && r.column === 0) return () => this.#fetchDirective();
    if (ch === '-' && this.#documentIndicator('---')) {
      return () => this.#fetchDocumentIndicator('<document start>');
    }
    if (ch === '.' && this.#documentIndicator('...')) {
      return () => this.#fetchDocumentIndicator('<document end>');
    }
    if (ch === '[' || ch === '{') return () => this.#fetchFlowCollectionStart(ch);
    if (ch === ']' || ch === '}') return () => this.#fetchFlowCollectionEnd(ch);
    if (ch === ',') return () => this.#fetchFlowEntry();
    if (ch === '-' && blankNext) return () => this.#fetchBlockEntry();
    if (ch === '?' && (this.#flowLevel > 0 || blankNext)) return () => this.#fetchKey();
    if (ch === ':' && (this.#flowLevel > 0 || blankNext)) return () => this.#fetchValue();
    if (ch === '*') return () => this.#fetchProperty(() => this.#scanAnchor('<alias>'));
    if (ch === '&') return () => this.#fetchProperty(() => this.#scanAnchor('<anchor>'));
    if (ch === '!') return () => this.#fetchProperty(() => this.#scanTag());
    if ((ch === '|' || ch === '>') && this.#flowLevel === 0) {
      return () => this.#fetchBlockScalar();
    }
    if (ch === "'" || ch === '"') return () => this.#fetchProperty(() => this.#scanFlowScalar());
    if (this.#checkPlain()) return () => this.#fetchProperty(() => this.#scanPlain());
    throw scannerError(
      'while scanning for the next token',
      undefined,
      `found character ${found(ch)} that cannot start any token`,
      r.mark(),
    );
  }

  #nextPossibleSimpleKey(): number | undefined {
    let min: number | undefined;
    for (const key of this.#possibleSimpleKeys.values()) {
      if (min === undefined || key.tokenNumber < min) min = key.tokenNumber;
    }
    return min;
  }

  #stalePossibleSimpleKeys(): void {
    const r = this.reader;
    for (const [level, key] of this.#possibleSimpleKeys) {
      if (key.line !== r.line || r.index - key.index > 1024) {
        if (key.required) throw this.#simpleKeyError(key);
        this.#possibleSimpleKeys.delete(level);
      }
    }
  }

  #simpleKeyError(key: SimpleKey): MarkedSyntaxError {
    return scannerError(
      'while scanning a simple key',
      key.mark,
      "could not find expected ':'",
      this.reader.mark(),
    );
  }

  #savePossibleSimpleKey(): void {
    const r = this.reader;
    const required = this.#flowLevel === 0 && this.#indent === r.column;
    if (!this.#allowSimpleKey) return;
    this.#removePossibleSimpleKey();
    this.#possibleSimpleKeys.set(this.#flowLevel, {
      tokenNumber: this.#tokensTaken + this.#tokens.length,
      required,
      index: r.index,
      line: r.line,
      column: r.column,
      mark: r.mark(),
    });
  }

  #removePossibleSimpleKey(): void {
    const key = this.#possibleSimpleKeys.get(this.#flowLevel);
    if (key === undefined) return;
    if (key.required) throw this.#simpleKeyError(key);
    this.#possibleSimpleKeys.delete(this.#flowLevel);
  }

  #unwindIndent(column: number): void {
    if (this.#flowLevel > 0) return;
    while (this.#indent > column) {
      const mark = this.reader.mark();
      this.#indent = this.#indents.pop() ?? -1;
      this.#tokens.push({ id: '<block end>', start: mark, end: mark });
    }
  }

  #addIndent(column: number): boolean {
    if (this.#indent >= column) return false;
    this.#indents.push(this.#indent);
    this.#indent = column;
    return true;
  }

  /** A token of `length` characters from here. */
  #simpleToken(id: TokenId, length = 1): void {
    const start = this.reader.mark();
    this.reader.forward(length);
    this.#tokens.push({ id, start, end: this.reader.mark() });
  }

  #fetchStreamEnd(): void {
    this.#unwindIndent(-1);
    this.#removePossibleSimpleKey();
    this.#allowSimpleKey = false;
    this.#possibleSimpleKeys.clear();
    const mark = this.reader.mark();
    this.#tokens.push({ id: '<stream end>', start: mark, end: mark });
    this.#done = true;
  }

  #fetchDirective(): void {
    this.#unwindIndent(-1);
    this.#removePossibleSimpleKey();
    this.#allowSimpleKey = false;
    this.#tokens.push(this.#scanDirective());
  }

  #documentIndicator(indicator: string): boolean {
    const r = this.reader;
    return r.column === 0 && r.prefix(3) === indicator && BLANK_OR_END.includes(r.peek(3));
  }

  #fetchDocumentIndicator(id: '<document start>' | '<document end>'): void {
    this.#unwindIndent(-1);
    this.#removePossibleSimpleKey();
    this.#allowSimpleKey = false;
    this.#simpleToken(id, 3);
  }

  #fetchFlowCollectionStart(id: '[' | '{'): void {
    this.#savePossibleSimpleKey();
    this.#flowLevel++;
    this.#allowSimpleKey = true;
    this.#simpleToken(id);
  }

  #fetchFlowCollectionEnd(id: ']' | '}'): void {
    this.#removePossibleSimpleKey();
    this.#flowLevel--;
    this.#allowSimpleKey = false;
    this.#simpleToken(id);
  }

  #fetchFlowEntry(): void {
    this.#allowSimpleKey = true;
    this.#removePossibleSimpleKey();
    this.#simpleToken(',');
  }

  /** A block entry or a key: allowed where a simple key is, and maybe opening a collection. */
  #blockIndicator(what: string, start: '<block sequence start>' | '<block mapping start>'): void {
    if (this.#flowLevel > 0) return;
    const r = this.reader;
    if (!this.#allowSimpleKey) {
      throw scannerError(undefined, undefined, `${what} are not allowed here`, r.mark());
    }
    if (this.#addIndent(r.column)) {
      const mark = r.mark();
      this.#tokens.push({ id: start, start: mark, end: mark });
    }
  }

  #fetchBlockEntry(): void {
    this.#blockIndicator('sequence entries', '<block sequence start>');
    this.#allowSimpleKey = true;
    this.#removePossibleSimpleKey();
    this.#simpleToken('-');
  }

  #fetchKey(): void {
    this.#blockIndicator('mapping keys', '<block mapping start>');
    this.#allowSimpleKey = this.#flowLevel === 0;
    this.#removePossibleSimpleKey();
    this.#simpleToken('?');
  }

  #fetchValue(): void {
    const key = this.#possibleSimpleKeys.get(this.#flowLevel);
    if (key !== undefined) {
      this.#possibleSimpleKeys.delete(this.#flowLevel);
      const at = key.tokenNumber - this.#tokensTaken;
      this.#tokens.splice(at, 0, { id: '?', start: key.mark, end: key.mark });
      if (this.#flowLevel === 0 && this.#addIndent(key.column)) {
        this.#tokens.splice(at, 0, { id: '<block mapping start>', start: key.mark, end: key.mark });
      }
      this.#allowSimpleKey = false;
    } else {
      this.#blockIndicator('mapping values', '<block mapping start>');
      this.#allowSimpleKey = this.#flowLevel === 0;
      this.#removePossibleSimpleKey();
    }
    this.#simpleToken(':');
  }

  /** An alias, anchor, tag, quoted or plain scalar: each may start a simple key. */
  #fetchProperty(scan: () => Token): void {
    this.#savePossibleSimpleKey();
    this.#allowSimpleKey = false;
    this.#tokens.push(scan());
  }

  #fetchBlockScalar(): void {
    this.#allowSimpleKey = true;
    this.#removePossibleSimpleKey();
    this.#tokens.push(this.#scanBlockScalar());
  }

  #checkPlain(): boolean {
    const r = this.reader;
    const ch = r.peek();
    if (!`${BLANK_OR_END}-?:,[]{}#&*!|>'"%@\``.includes(ch)) return true;
    return (
      !BLANK_OR_END.includes(r.peek(1)) &&
      (ch === '-' || (this.#flowLevel === 0 && (ch === '?' || ch === ':')))
    );
  }

  #skipComment(): void {
    const r = this.reader;
    if (r.peek() === '#') while (!BREAK_OR_END.includes(r.peek())) r.forward();
  }

  #scanToNextToken(): void {
    const r = this.reader;
    if (r.index === 0 && r.peek() === '\uFEFF') r.forward();
    for (;;) {
      while (r.peek() === ' ') r.forward();
      this.#skipComment();
      if (!this.#scanLineBreak()) return;
      if (this.#flowLevel === 0) this.#allowSimpleKey = true;
    }
  }

  /** scan_line_break: whether it consumed one, and which (`\n` for `\r`, `\r\n` and NEL). */
  #scanLineBreak(): string {
    const r = this.reader;
    const ch = r.peek();
    if ('\r\n\x85'.includes(ch)) {
      r.forward(r.prefix(2) === '\r\n' ? 2 : 1);
      return '\n';
    }
    if (ch === '\u2028' || ch === '\u2029') {
      r.forward();
      return ch;
    }
    return '';
  }

  #scanDirective(): Token {
    const r = this.reader;
    const start = r.mark();
    const context = 'while scanning a directive';
    const fail = (problem: string) => scannerError(context, start, problem, r.mark());
    r.forward();
    let length = 0;
    while (isWordChar(r.peek(length))) length++;
    if (length === 0 || !SPACE_OR_END.includes(r.peek(length))) {
      r.forward(length);
      throw fail(`expected alphabetic or numeric character, but found ${found(r.peek())}`);
    }
    const name = r.prefix(length);
    r.forward(length);
    let value: number | string | undefined;
    let suffix: string | undefined;
    if (name === 'YAML') {
      while (r.peek() === ' ') r.forward();
      value = this.#scanVersionNumber(fail);
      if (r.peek() !== '.') throw fail(`expected a digit or '.', but found ${found(r.peek())}`);
      r.forward();
      this.#scanVersionNumber(fail);
      if (!SPACE_OR_END.includes(r.peek())) {
        throw fail(`expected a digit or ' ', but found ${found(r.peek())}`);
      }
    } else if (name === 'TAG') {
      while (r.peek() === ' ') r.forward();
      value = this.#scanTagHandle('directive', start);
      if (r.peek() !== ' ') throw fail(`expected ' ', but found ${found(r.peek())}`);
      while (r.peek() === ' ') r.forward();
      suffix = this.#scanTagUri('directive', start);
      if (!SPACE_OR_END.includes(r.peek())) {
        throw fail(`expected ' ', but found ${found(r.peek())}`);
      }
    } else {
      while (!BREAK_OR_END.includes(r.peek())) r.forward();
    }
    const end = r.mark();
    while (r.peek() === ' ') r.forward();
    this.#skipComment();
    if (!BREAK_OR_END.includes(r.peek())) {
      throw fail(`expected a comment or a line break, but found ${found(r.peek())}`);
    }
    this.#scanLineBreak();
    return { id: '<directive>', start, end, name, value, suffix };
  }

  #scanVersionNumber(fail: (problem: string) => MarkedSyntaxError): number {
    const r = this.reader;
    if (!isDigit(r.peek())) throw fail(`expected a digit, but found ${found(r.peek())}`);
    let length = 0;
    while (isDigit(r.peek(length))) length++;
    const value = Number(r.prefix(length));
    r.forward(length);
    return value;
  }

  #scanAnchor(id: '<alias>' | '<anchor>'): Token {
    const r = this.reader;
    const start = r.mark();
    const fail = () =>
      scannerError(
        `while scanning an ${id === '<alias>' ? 'alias' : 'anchor'}`,
        start,
        `expected alphabetic or numeric character, but found ${found(r.peek())}`,
        r.mark(),
      );
    r.forward();
    let length = 0;
    while (isWordChar(r.peek(length))) length++;
    if (length === 0) throw fail();
    const name = r.prefix(length);
    r.forward(length);
    if (!`${BLANK_OR_END}?:,]}%@\``.includes(r.peek())) throw fail();
    return { id, start, end: r.mark(), name };
  }

  #scanTag(): Token {
    const r = this.reader;
    const start = r.mark();
    let ch = r.peek(1);
    let handle: string | undefined;
    let suffix: string;
    if (ch === '<') {
      r.forward(2);
      suffix = this.#scanTagUri('tag', start);
      if (r.peek() !== '>') {
        throw scannerError(
          'while parsing a tag',
          start,
          `expected '>', but found ${found(r.peek())}`,
          r.mark(),
        );
      }
      r.forward();
    } else if (BLANK_OR_END.includes(ch)) {
      suffix = '!';
      r.forward();
    } else {
      let length = 1;
      let useHandle = false;
      while (!SPACE_OR_END.includes(ch)) {
        if (ch === '!') {
          useHandle = true;
          break;
        }
        length++;
        ch = r.peek(length);
      }
      if (useHandle) handle = this.#scanTagHandle('tag', start);
      else {
        handle = '!';
        r.forward();
      }
      suffix = this.#scanTagUri('tag', start);
    }
    if (!SPACE_OR_END.includes(r.peek())) {
      throw scannerError(
        'while scanning a tag',
        start,
        `expected ' ', but found ${found(r.peek())}`,
        r.mark(),
      );
    }
    return { id: '<tag>', start, end: r.mark(), name: handle, suffix };
  }

  #scanTagHandle(name: string, start: Mark): string {
    const r = this.reader;
    const fail = () =>
      scannerError(
        `while scanning a ${name}`,
        start,
        `expected '!', but found ${found(r.peek())}`,
        r.mark(),
      );
    if (r.peek() !== '!') throw fail();
    let length = 1;
    if (r.peek(length) !== ' ') {
      while (isWordChar(r.peek(length))) length++;
      if (r.peek(length) !== '!') {
        r.forward(length);
        throw fail();
      }
      length++;
    }
    const value = r.prefix(length);
    r.forward(length);
    return value;
  }

  #scanTagUri(name: string, start: Mark): string {
    const r = this.reader;
    const chunks: string[] = [];
    for (let ch = r.peek(); /^[0-9A-Za-z]$/.test(ch) || URI_CHARS.includes(ch); ch = r.peek()) {
      if (ch === '%') chunks.push(this.#scanUriEscapes(name, start));
      else {
        chunks.push(ch);
        r.forward();
      }
    }
    if (chunks.length === 0) {
      throw scannerError(
        `while parsing a ${name}`,
        start,
        `expected URI, but found ${found(r.peek())}`,
        r.mark(),
      );
    }
    return chunks.join('');
  }

  #scanUriEscapes(name: string, start: Mark): string {
    const r = this.reader;
    const mark = r.mark();
    const bytes: number[] = [];
    while (r.peek() === '%') {
      r.forward();
      for (let k = 0; k < 2; k++) {
        if (!HEX.includes(r.peek(k))) {
          throw scannerError(
            `while scanning a ${name}`,
            start,
            `expected URI escape sequence of 2 hexadecimal numbers, but found ${found(r.peek(k))}`,
            r.mark(),
          );
        }
      }
      bytes.push(Number.parseInt(r.prefix(2), 16));
      r.forward(2);
    }
    const invalid = utf8DecodeError(bytes);
    if (invalid !== undefined) throw scannerError(`while scanning a ${name}`, start, invalid, mark);
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  #scanBlockScalar(): Token {
    const r = this.reader;
    const start = r.mark();
    const folded = r.peek() === '>';
    const context = 'while scanning a block scalar';
    const fail = (problem: string) => scannerError(context, start, problem, r.mark());
    r.forward();
    let chomping: boolean | undefined;
    let increment: number | undefined;
    const readChomping = () => {
      if (r.peek() !== '+' && r.peek() !== '-') return;
      chomping = r.peek() === '+';
      r.forward();
    };
    const readIncrement = () => {
      if (!isDigit(r.peek())) return;
      increment = Number(r.peek());
      if (increment === 0) {
        throw fail('expected indentation indicator in the range 1-9, but found 0');
      }
      r.forward();
    };
    if (r.peek() === '+' || r.peek() === '-') {
      readChomping();
      readIncrement();
    } else if (isDigit(r.peek())) {
      readIncrement();
      readChomping();
    }
    if (!SPACE_OR_END.includes(r.peek())) {
      throw fail(`expected chomping or indentation indicators, but found ${found(r.peek())}`);
    }
    while (r.peek() === ' ') r.forward();
    this.#skipComment();
    if (!BREAK_OR_END.includes(r.peek())) {
      throw fail(`expected a comment or a line break, but found ${found(r.peek())}`);
    }
    this.#scanLineBreak();
    const minIndent = Math.max(this.#indent + 1, 1);
    let indent: number;
    let breaks: string[];
    let end: Mark;
    if (increment === undefined) {
      let maxIndent = 0;
      breaks = [];
      end = r.mark();
      while (` ${BREAKS}`.includes(r.peek())) {
        if (r.peek() !== ' ') {
          breaks.push(this.#scanLineBreak());
          end = r.mark();
        } else {
          r.forward();
          if (r.column > maxIndent) maxIndent = r.column;
        }
      }
      indent = Math.max(minIndent, maxIndent);
    } else {
      indent = minIndent + increment - 1;
      [breaks, end] = this.#scanBlockScalarBreaks(indent);
    }
    const chunks: string[] = [];
    let lineBreak = '';
    while (r.column === indent && r.peek() !== '\0') {
      chunks.push(...breaks);
      const leadingNonSpace = r.peek() !== ' ' && r.peek() !== '\t';
      let length = 0;
      while (!BREAK_OR_END.includes(r.peek(length))) length++;
      chunks.push(r.prefix(length));
      r.forward(length);
      lineBreak = this.#scanLineBreak();
      [breaks, end] = this.#scanBlockScalarBreaks(indent);
      if (r.column !== indent || r.peek() === '\0') break;
      // Folding joins two lines of text that start without spaces with one space.
      const joins =
        folded && lineBreak === '\n' && leadingNonSpace && r.peek() !== ' ' && r.peek() !== '\t';
      if (!joins) chunks.push(lineBreak);
      else if (breaks.length === 0) chunks.push(' ');
    }
    if (chomping !== false) chunks.push(lineBreak);
    if (chomping === true) chunks.push(...breaks);
    return { id: '<scalar>', start, end, value: chunks.join(''), plain: false };
  }

  /** scan_block_scalar_breaks: the line breaks, and the mark after the last. */
  #scanBlockScalarBreaks(indent: number): [string[], Mark] {
    const r = this.reader;
    const breaks: string[] = [];
    let end = r.mark();
    while (r.column < indent && r.peek() === ' ') r.forward();
    while (BREAKS.includes(r.peek())) {
      breaks.push(this.#scanLineBreak());
      end = r.mark();
      while (r.column < indent && r.peek() === ' ') r.forward();
    }
    return [breaks, end];
  }

  #scanFlowScalar(): Token {
    const r = this.reader;
    const start = r.mark();
    const quote = r.peek();
    const double = quote === '"';
    r.forward();
    const chunks = this.#scanFlowScalarNonSpaces(double, start);
    while (r.peek() !== quote) {
      chunks.push(...this.#scanFlowScalarSpaces(start));
      chunks.push(...this.#scanFlowScalarNonSpaces(double, start));
    }
    r.forward();
    return { id: '<scalar>', start, end: r.mark(), value: chunks.join(''), plain: false };
  }

  #scanFlowScalarNonSpaces(double: boolean, start: Mark): string[] {
    const r = this.reader;
    const context = 'while scanning a double-quoted scalar';
    const chunks: string[] = [];
    for (;;) {
      let length = 0;
      while (!`'"\\${BLANK_OR_END}`.includes(r.peek(length))) length++;
      chunks.push(r.prefix(length));
      r.forward(length);
      const ch = r.peek();
      if (!double && ch === "'" && r.peek(1) === "'") {
        chunks.push("'");
        r.forward(2);
      } else if ((double && ch === "'") || (!double && (ch === '"' || ch === '\\'))) {
        chunks.push(ch);
        r.forward();
      } else if (double && ch === '\\') {
        r.forward();
        const escaped = r.peek();
        const replacement = ESCAPE_REPLACEMENTS[escaped];
        const digits = ESCAPE_CODES[escaped];
        if (replacement !== undefined) {
          chunks.push(replacement);
          r.forward();
        } else if (digits !== undefined) {
          r.forward();
          for (let k = 0; k < digits; k++) {
            if (!HEX.includes(r.peek(k))) {
              throw scannerError(
                context,
                start,
                `expected escape sequence of ${digits} hexadecimal numbers, but found ${found(r.peek(k))}`,
                r.mark(),
              );
            }
          }
          const code = Number.parseInt(r.prefix(digits), 16);
          // chr() of more than U+10FFFF raises ValueError, which parse_yaml_or_json lets through.
          if (code > 0x10ffff) throw new AwxServerError('chr() arg not in range(0x110000)');
          chunks.push(String.fromCodePoint(code));
          r.forward(digits);
        } else if (BREAKS.includes(escaped)) {
          this.#scanLineBreak();
          chunks.push(...this.#scanFlowScalarBreaks(start));
        } else {
          throw scannerError(
            context,
            start,
            `found unknown escape character ${found(escaped)}`,
            r.mark(),
          );
        }
      } else return chunks;
    }
  }

  #scanFlowScalarSpaces(start: Mark): string[] {
    const r = this.reader;
    let length = 0;
    while (r.peek(length) === ' ' || r.peek(length) === '\t') length++;
    const whitespaces = r.prefix(length);
    r.forward(length);
    const ch = r.peek();
    if (ch === '\0') {
      throw scannerError(
        'while scanning a quoted scalar',
        start,
        'found unexpected end of stream',
        r.mark(),
      );
    }
    if (!BREAKS.includes(ch)) return [whitespaces];
    const lineBreak = this.#scanLineBreak();
    const breaks = this.#scanFlowScalarBreaks(start);
    if (lineBreak !== '\n') return [lineBreak, ...breaks];
    return breaks.length === 0 ? [' '] : breaks;
  }

  #scanFlowScalarBreaks(start: Mark): string[] {
    const r = this.reader;
    const breaks: string[] = [];
    for (;;) {
      const prefix = r.prefix(3);
      if ((prefix === '---' || prefix === '...') && BLANK_OR_END.includes(r.peek(3))) {
        throw scannerError(
          'while scanning a quoted scalar',
          start,
          'found unexpected document separator',
          r.mark(),
        );
      }
      while (r.peek() === ' ' || r.peek() === '\t') r.forward();
      if (!BREAKS.includes(r.peek())) return breaks;
      breaks.push(this.#scanLineBreak());
    }
  }

  #scanPlain(): Token {
    const r = this.reader;
    const start = r.mark();
    let end = start;
    const indent = this.#indent + 1;
    const flow = this.#flowLevel > 0;
    const ends = (ch: string, next: string) =>
      BLANK_OR_END.includes(ch) ||
      (ch === ':' && (BLANK_OR_END.includes(next) || (flow && ',[]{}'.includes(next)))) ||
      (flow && ',?[]{}'.includes(ch));
    const chunks: string[] = [];
    let spaces: string[] | undefined = [];
    for (;;) {
      if (r.peek() === '#') break;
      let length = 0;
      while (!ends(r.peek(length), r.peek(length + 1))) length++;
      if (length === 0) break;
      this.#allowSimpleKey = false;
      chunks.push(...spaces, r.prefix(length));
      r.forward(length);
      end = r.mark();
      spaces = this.#scanPlainSpaces();
      if (spaces === undefined || spaces.length === 0) break;
      if (r.peek() === '#' || (!flow && r.column < indent)) break;
    }
    return { id: '<scalar>', start, end, value: chunks.join(''), plain: true };
  }

  /**
   * scan_plain_spaces: what joins the scalar's next words to it (spaces, or line breaks folded),
   * nothing where none follow, `undefined` at a document separator.
   */
  #scanPlainSpaces(): string[] | undefined {
    const r = this.reader;
    let length = 0;
    while (r.peek(length) === ' ') length++;
    const whitespaces = r.prefix(length);
    r.forward(length);
    const separator = () => {
      const prefix = r.prefix(3);
      return (prefix === '---' || prefix === '...') && BLANK_OR_END.includes(r.peek(3));
    };
    if (!BREAKS.includes(r.peek())) return length > 0 ? [whitespaces] : [];
    const lineBreak = this.#scanLineBreak();
    this.#allowSimpleKey = true;
    if (separator()) return undefined;
    const breaks: string[] = [];
    while (` ${BREAKS}`.includes(r.peek())) {
      if (r.peek() === ' ') r.forward();
      else {
        breaks.push(this.#scanLineBreak());
        if (separator()) return undefined;
      }
    }
    if (lineBreak !== '\n') return [lineBreak, ...breaks];
    return breaks.length === 0 ? [' '] : breaks;
  }
}

const ESCAPE_REPLACEMENTS: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '\\': '\\',
  '/': '/',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const ESCAPE_CODES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** str() of the UnicodeDecodeError Python's `bytes.decode('utf-8')` raises, if it raises one. */
function utf8DecodeError(bytes: readonly number[]): string | undefined {
  for (let at = 0; at < bytes.length; ) {
    const lead = bytes[at] as number;
    const width =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
    const fail = (reason: string, end: number) =>
      end - at > 1
        ? `'utf-8' codec can't decode bytes in position ${at}-${end - 1}: ${reason}`
        : `'utf-8' codec can't decode byte 0x${lead.toString(16).padStart(2, '0')} in position ${at}: ${reason}`;
    if (width === 0) return fail('invalid start byte', at + 1);
    for (let k = 1; k < width; k++) {
      const byte = bytes[at + k];
      if (byte === undefined) return fail('unexpected end of data', at + k);
      const low = k === 1 && lead === 0xe0 ? 0xa0 : k === 1 && lead === 0xf0 ? 0x90 : 0x80;
      const high = k === 1 && lead === 0xed ? 0x9f : k === 1 && lead === 0xf4 ? 0x8f : 0xbf;
      if (byte < low || byte > high) return fail('invalid continuation byte', at + k);
    }
    at += width;
  }
  return undefined;
}
