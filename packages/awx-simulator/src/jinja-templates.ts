/**
 * Jinja templates as far as AWX's injector checks need them: the `{{ ... }}` expressions are
 * lexed and parsed by Jinja's rules (jinja2 3.1 lexer.py and parser.py), so a syntax error
 * fails with Jinja's message, and each expression says which variables it reads and whether it
 * is a lone variable or constant. Nothing is evaluated: there is no Jinja engine here.
 * `{% ... %}` statements and `{# ... #}` comments are not read.
 */

/** A variable an expression reads, with the attributes read from it by dot (`a.b.c`). */
export interface VariablePath {
  readonly name: string;
  readonly attributes: readonly string[];
}

/**
 * What an expression is when it is no more than one name: Jinja's parser turns the names
 * `true`, `false`, `none` (and `True`, `False`, `None`) into constants, and every other name
 * into a variable.
 */
export type Lone =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'constant'; readonly text: 'True' | 'False' | 'None' }
  | { readonly kind: 'other' };

export interface Printed {
  readonly lone: Lone;
  /** Constants and variables read, in the order they appear. */
  readonly reads: readonly (VariablePath | { readonly constant: string })[];
}

/** A template as literal text and printed expressions, in order. */
export type TemplatePart = string | Printed;

export type ParsedTemplate =
  | { readonly ok: true; readonly parts: readonly TemplatePart[] }
  | { readonly ok: false; readonly message: string };

const CONSTANTS: Readonly<Record<string, 'True' | 'False' | 'None'>> = {
  true: 'True',
  True: 'True',
  false: 'False',
  False: 'False',
  none: 'None',
  None: 'None',
};

// The filters and tests of jinja2 3.1's sandboxed environment: the compiler refuses any other
// name in a printed expression (TemplateAssertionError, a TemplateSyntaxError).
const FILTERS = new Set(
  (
    'abs attr batch capitalize center count d default dictsort e escape filesizeformat first ' +
    'float forceescape format groupby indent int items join last length list lower map max min ' +
    'pprint random reject rejectattr replace reverse round safe select selectattr slice sort ' +
    'string striptags sum title tojson trim truncate unique upper urlencode urlize wordcount ' +
    'wordwrap xmlattr'
  ).split(' '),
);
const TESTS = new Set(
  (
    '!= < <= == > >= boolean callable defined divisibleby eq equalto escaped even false filter ' +
    'float ge greaterthan gt in integer iterable le lessthan lower lt mapping ne none number odd ' +
    'sameas sequence string test true undefined upper'
  ).split(' '),
);

class TemplateSyntaxError extends Error {}

type TokenType = 'name' | 'string' | 'integer' | 'float' | 'operator' | 'end' | 'eof';

interface Token {
  readonly type: TokenType;
  readonly value: string;
}

// Longest first, as Jinja's lexer tries them.
const OPERATORS = [
  '//',
  '**',
  '==',
  '!=',
  '>=',
  '<=',
  '+',
  '-',
  '/',
  '*',
  '%',
  '~',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  '>',
  '<',
  '=',
  '.',
  ':',
  '|',
  ',',
  ';',
];
const CLOSING: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const LEXEMES: readonly [TokenType, RegExp][] = [
  ['float', /(?<!\.)\d+(?:_\d+)*(?:\.\d+(?:_\d+)*(?:[eE][+-]?\d+)?|[eE][+-]?\d+)/y],
  [
    'integer',
    /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y,
  ],
  ['name', /[a-zA-Z_][a-zA-Z0-9_]*/y],
  ['string', /'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*"/y],
];

function pythonCharRepr(char: string): string {
  return char === "'" ? `"'"` : `'${char}'`;
}

/**
 * The tokens of the expression starting at `start` (just after `{{`), and where the template
 * goes on after its `}}`. Brackets must balance before `}}` ends the expression.
 */
function lexExpression(template: string, start: number): { tokens: Token[]; next: number } {
  const tokens: Token[] = [];
  const open: string[] = [];
  let at = start;
  for (;;) {
    if (at >= template.length) {
      const expected = open.at(-1);
      if (expected !== undefined) {
        throw new TemplateSyntaxError(`unexpected end of template, expected '${expected}'.`);
      }
      tokens.push({ type: 'eof', value: '' });
      return { tokens, next: at };
    }
    if (open.length === 0) {
      const end = /-}}\s*|}}/y;
      end.lastIndex = at;
      if (end.exec(template)) {
        tokens.push({ type: 'end', value: '' });
        return { tokens, next: end.lastIndex };
      }
    }
    const space = /\s+/y;
    space.lastIndex = at;
    if (space.exec(template)) {
      at = space.lastIndex;
      continue;
    }
    const lexeme = LEXEMES.flatMap(([type, pattern]) => {
      pattern.lastIndex = at;
      const found = pattern.exec(template);
      return found ? [{ type, value: found[0] }] : [];
    })[0];
    const operator = OPERATORS.find((op) => template.startsWith(op, at));
    const token =
      lexeme ?? (operator === undefined ? undefined : { type: 'operator', value: operator });
    if (!token) {
      throw new TemplateSyntaxError(
        `unexpected char ${pythonCharRepr(template.charAt(at))} at ${at}`,
      );
    }
    if (token.type === 'operator') {
      const closing = CLOSING[token.value];
      if (closing) open.push(closing);
      else if ([')', ']', '}'].includes(token.value)) {
        const expected = open.pop();
        if (expected === undefined) throw new TemplateSyntaxError(`unexpected '${token.value}'`);
        if (expected !== token.value) {
          throw new TemplateSyntaxError(`unexpected '${token.value}', expected '${expected}'`);
        }
      }
    }
    tokens.push(token as Token);
    at += token.value.length;
  }
}

/** Jinja's describe_token: a name by its value, anything else by what it is. */
function describe(token: Token): string {
  switch (token.type) {
    case 'name':
    case 'operator':
      return token.value;
    case 'end':
      return 'end of print statement';
    case 'eof':
      return 'end of template';
    default:
      return token.type;
  }
}

const COMPARE = new Set(['==', '!=', '>', '>=', '<', '<=']);

/** Jinja's expression grammar (Parser.parse_tuple and below), recording what is read. */
class ExpressionParser {
  readonly #tokens: readonly Token[];
  #at = 0;
  readonly reads: (VariablePath | { constant: string })[] = [];
  /** Filters and tests by name, which the compiler looks up once the template is parsed. */
  readonly lookups: { readonly kind: 'filter' | 'test'; readonly name: string }[] = [];

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  get #current(): Token {
    return this.#tokens[this.#at] ?? { type: 'eof', value: '' };
  }

  #look(): Token {
    return this.#tokens[this.#at + 1] ?? { type: 'eof', value: '' };
  }

  #is(type: TokenType, value?: string): boolean {
    const token = this.#current;
    return token.type === type && (value === undefined || token.value === value);
  }

  #skip(type: TokenType, value?: string): boolean {
    if (!this.#is(type, value)) return false;
    this.#at += 1;
    return true;
  }

  #expect(type: TokenType, value?: string): Token {
    const token = this.#current;
    if (this.#skip(type, value)) return token;
    const expected = value ?? (type === 'end' ? 'end of print statement' : type);
    if (token.type === 'eof') {
      throw new TemplateSyntaxError(`unexpected end of template, expected '${expected}'.`);
    }
    throw new TemplateSyntaxError(`expected token '${expected}', got '${describe(token)}'`);
  }

  /** `{{ ... }}` itself: an expression or a tuple, then the end of the print statement. */
  printed(): Lone {
    const first = this.#at;
    this.#tuple(false);
    this.#expect('end');
    const [only, end] = [this.#tokens[first], this.#tokens[first + 1]];
    if (only?.type === 'name' && end?.type === 'end') {
      const constant = CONSTANTS[only.value];
      return constant
        ? { kind: 'constant', text: constant }
        : { kind: 'variable', name: only.value };
    }
    return { kind: 'other' };
  }

  #tuple(parenthesized: boolean): void {
    let count = 0;
    for (;;) {
      if (count > 0) this.#expect('operator', ',');
      if (this.#is('end') || this.#is('operator', ')')) break;
      this.#expression();
      count += 1;
      if (!this.#is('operator', ',')) break;
    }
    if (count === 0 && !parenthesized) {
      throw new TemplateSyntaxError(`Expected an expression, got '${describe(this.#current)}'`);
    }
  }

  #expression(): void {
    this.#or();
    while (this.#skip('name', 'if')) {
      this.#or();
      if (this.#skip('name', 'else')) this.#expression();
    }
  }

  #or(): void {
    this.#and();
    while (this.#skip('name', 'or')) this.#and();
  }

  #and(): void {
    this.#not();
    while (this.#skip('name', 'and')) this.#not();
  }

  #not(): void {
    if (this.#skip('name', 'not')) this.#not();
    else this.#compare();
  }

  #compare(): void {
    this.#binary(0);
    for (;;) {
      if (this.#current.type === 'operator' && COMPARE.has(this.#current.value)) this.#at += 1;
      else if (this.#skip('name', 'in')) {
        // `in` then its right-hand side
      } else if (
        this.#is('name', 'not') &&
        this.#look().type === 'name' &&
        this.#look().value === 'in'
      ) {
        this.#at += 2;
      } else return;
      this.#binary(0);
    }
  }

  /** parse_math1, parse_concat, parse_math2 and parse_pow, by precedence level. */
  #binary(level: number): void {
    const levels: readonly (readonly string[])[] = [
      ['+', '-'],
      ['~'],
      ['*', '/', '//', '%'],
      ['**'],
    ];
    const operators = levels[level];
    if (!operators) {
      this.#unary(true);
      return;
    }
    this.#binary(level + 1);
    while (this.#current.type === 'operator' && operators.includes(this.#current.value)) {
      this.#at += 1;
      this.#binary(level + 1);
    }
  }

  #unary(withFilter: boolean): void {
    if (this.#is('operator', '-') || this.#is('operator', '+')) {
      this.#at += 1;
      this.#unary(false);
    } else {
      this.#primary();
    }
    this.#postfix();
    if (withFilter) this.#filters();
  }

  #primary(): void {
    const token = this.#current;
    if (token.type === 'name') {
      this.#at += 1;
      const constant = CONSTANTS[token.value];
      if (constant) this.reads.push({ constant });
      else this.reads.push({ name: token.value, attributes: this.#attributes() });
      return;
    }
    if (token.type === 'string') {
      while (this.#is('string')) this.#at += 1;
      return;
    }
    if (token.type === 'integer' || token.type === 'float') {
      this.#at += 1;
      return;
    }
    if (this.#skip('operator', '(')) {
      this.#tuple(true);
      this.#expect('operator', ')');
      return;
    }
    if (this.#skip('operator', '[')) {
      this.#items(']', false);
      return;
    }
    if (this.#skip('operator', '{')) {
      this.#items('}', true);
      return;
    }
    throw new TemplateSyntaxError(`unexpected '${describe(token)}'`);
  }

  /** The names read by dot right after a variable, which AWX's namespace must have. */
  #attributes(): string[] {
    const attributes: string[] = [];
    while (this.#is('operator', '.') && this.#look().type === 'name') {
      attributes.push(this.#look().value);
      this.#at += 2;
    }
    return attributes;
  }

  #items(close: string, pairs: boolean): void {
    let count = 0;
    while (!this.#is('operator', close)) {
      if (count > 0) {
        this.#expect('operator', ',');
        if (this.#is('operator', close)) break;
      }
      this.#expression();
      if (pairs) {
        this.#expect('operator', ':');
        this.#expression();
      }
      count += 1;
    }
    this.#expect('operator', close);
  }

  #postfix(): void {
    for (;;) {
      if (this.#skip('operator', '.')) {
        const attribute = this.#current;
        if (attribute.type !== 'name' && attribute.type !== 'integer') {
          throw new TemplateSyntaxError('expected name or number');
        }
        this.#at += 1;
      } else if (this.#skip('operator', '[')) {
        this.#subscript();
      } else if (this.#is('operator', '(')) {
        this.#call();
      } else {
        return;
      }
    }
  }

  #subscript(): void {
    let count = 0;
    while (!this.#is('operator', ']')) {
      if (count > 0) this.#expect('operator', ',');
      // A slice: any of its three parts may be left out.
      for (
        let part = 0;
        part < 3 && !this.#is('operator', ']') && !this.#is('operator', ',');
        part++
      ) {
        if (!this.#is('operator', ':')) this.#expression();
        if (!this.#skip('operator', ':')) break;
      }
      count += 1;
    }
    this.#expect('operator', ']');
  }

  #call(): void {
    this.#expect('operator', '(');
    let count = 0;
    while (!this.#is('operator', ')')) {
      if (count > 0) {
        this.#expect('operator', ',');
        if (this.#is('operator', ')')) break;
      }
      if (this.#is('operator', '*') || this.#is('operator', '**')) this.#at += 1;
      else if (this.#is('name') && this.#look().type === 'operator' && this.#look().value === '=') {
        this.#at += 2;
      }
      this.#expression();
      count += 1;
    }
    this.#expect('operator', ')');
  }

  #filters(): void {
    for (;;) {
      if (this.#skip('operator', '|')) {
        this.lookups.push({ kind: 'filter', name: this.#dottedName() });
        if (this.#is('operator', '(')) this.#call();
      } else if (this.#skip('name', 'is')) {
        this.#test();
      } else if (this.#is('operator', '(')) {
        this.#call();
      } else {
        return;
      }
    }
  }

  #dottedName(): string {
    let name = this.#expect('name').value;
    while (this.#skip('operator', '.')) name += `.${this.#expect('name').value}`;
    return name;
  }

  #test(): void {
    this.#skip('name', 'not');
    this.lookups.push({ kind: 'test', name: this.#dottedName() });
    if (this.#is('operator', '(')) {
      this.#call();
      return;
    }
    const token = this.#current;
    const argument =
      ['name', 'string', 'integer', 'float'].includes(token.type) ||
      (token.type === 'operator' && ['(', '[', '{'].includes(token.value));
    if (!argument || (token.type === 'name' && ['else', 'or', 'and'].includes(token.value))) {
      return;
    }
    if (token.type === 'name' && token.value === 'is') {
      throw new TemplateSyntaxError('You cannot chain multiple tests with is');
    }
    this.#primary();
    this.#postfix();
  }
}

/** The template's literal text and expressions, or Jinja's message for its syntax error. */
export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const lookups: ExpressionParser['lookups'] = [];
  let at = 0;
  try {
    for (let start = template.indexOf('{{'); start >= 0; start = template.indexOf('{{', at)) {
      // `{{-` strips the whitespace before it.
      const strip = template.startsWith('{{-', start);
      const text = template.slice(at, start);
      if ((strip ? text.trimEnd() : text) !== '') parts.push(strip ? text.trimEnd() : text);
      const { tokens, next } = lexExpression(template, start + (strip ? 3 : 2));
      const parser = new ExpressionParser(tokens);
      const lone = parser.printed();
      parts.push({ lone, reads: parser.reads });
      lookups.push(...parser.lookups);
      at = next;
    }
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
  if (at < template.length) parts.push(template.slice(at));
  const unknown = lookups.find(
    ({ kind, name }) => !(kind === 'filter' ? FILTERS : TESTS).has(name),
  );
  if (unknown) return { ok: false, message: `No ${unknown.kind} named '${unknown.name}'.` };
  return { ok: true, parts };
}
