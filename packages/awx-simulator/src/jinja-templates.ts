/**
 * Jinja templates as far as AWX's injector checks need them: the `{{ ... }}` expressions are
 * lexed and parsed by Jinja's rules (jinja2 3.1 lexer.py and parser.py), so a syntax error
 * fails with Jinja's message, and each expression says which variables it reads and whether it
 * is a lone variable or constant. Nothing is evaluated: there is no Jinja engine here.
 * `{% ... %}` statements and `{# ... #}` comments are not read.
 */
import { lexExpression, TemplateSyntaxError } from './jinja-lexer.js';
import { ExpressionParser } from './jinja-parser.js';

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
