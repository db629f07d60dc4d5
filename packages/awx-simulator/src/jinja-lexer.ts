/** Jinja's lexer (jinja2 3.1 lexer.py) for the inside of one `{{ ... }}` expression. */
export class TemplateSyntaxError extends Error {}

export type TokenType = 'name' | 'string' | 'integer' | 'float' | 'operator' | 'end' | 'eof';

export interface Token {
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
export function lexExpression(template: string, start: number): { tokens: Token[]; next: number } {
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
export function describe(token: Token): string {
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
