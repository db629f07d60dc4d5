import { describe, TemplateSyntaxError, type Token, type TokenType } from './jinja-lexer.js';
import type { Lone, VariablePath } from './jinja-templates.js';

const CONSTANTS: Readonly<Record<string, 'True' | 'False' | 'None'>> = {
  true: 'True',
  True: 'True',
  false: 'False',
  False: 'False',
  none: 'None',
  None: 'None',
};

const COMPARE = new Set(['==', '!=', '>', '>=', '<', '<=']);

/** Jinja's expression grammar (Parser.parse_tuple and below), recording what is read. */
export class ExpressionParser {
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
