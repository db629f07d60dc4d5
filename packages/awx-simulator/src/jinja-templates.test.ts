import { describe, expect, it } from 'vitest';
import { parseTemplate } from './jinja-templates.js';

const syntaxError = (template: string) => {
  const parsed = parseTemplate(template);
  return parsed.ok ? undefined : parsed.message;
};

describe('parseTemplate', () => {
  // Each message is what jinja2 3.1 raises for the template (checked with Python's jinja2).
  it("fails a syntax error with Jinja's message", () => {
    const cases: [string, string][] = [
      ['{{not}}', "unexpected 'end of print statement'"],
      ['{{ x and not }}', "unexpected 'end of print statement'"],
      ['{{ a if b else }}', "unexpected 'end of print statement'"],
      ['{{}}', "Expected an expression, got 'end of print statement'"],
      ['{{a b}}', "expected token 'end of print statement', got 'b'"],
      ['{{a not}}', "expected token 'end of print statement', got 'not'"],
      ['{{ 1 2 }}', "expected token 'end of print statement', got 'integer'"],
      ['{{a|}}', "expected token 'name', got 'end of print statement'"],
      ['{{ a is not }}', "expected token 'name', got 'end of print statement'"],
      ['{{ a', "unexpected end of template, expected 'end of print statement'."],
      ['{{ (a', "unexpected end of template, expected ')'."],
      ['{{(a}}', "unexpected '}', expected ')'"],
      ['{{a)}}', "unexpected ')'"],
      ['{{a}}{{', "unexpected 'end of template'"],
      ['{{ a @ }}', "unexpected char '@' at 5"],
      ["{{ 'x }}", 'unexpected char "\'" at 3'],
      ['{{ a . }}', 'expected name or number'],
      ['{{ a ; }}', "expected token 'end of print statement', got ';'"],
      ['{{ a | nope }}', "No filter named 'nope'."],
      ['{{ a is nope.x }}', "No test named 'nope.x'."],
      ['{{ x }} {{ not }}', "unexpected 'end of print statement'"],
    ];
    for (const [template, message] of cases) expect(syntaxError(template), template).toBe(message);
  });

  it('parses what Jinja parses', () => {
    const valid = [
      '{{not a}}',
      '{{and}}',
      '{{ a and and }}',
      '{{ a if b }}',
      '{{ a -}}',
      '{{- a }}',
      '{{ "s" "t" }}',
      '{{ a not in b }}',
      '{{ "x" ~ a }}',
      '{{ a[0] }}',
      '{{ a[1:2] }}',
      '{{ a.0 }}',
      '{{ a|default(b) }}',
      '{{ a is defined }}',
      '{{ a is divisibleby 3 }}',
      '{{ [a, b] }}',
      "{{ {'k': a} }}",
      '{{ (a, b) }}',
      '{{ () }}',
      '{{ a, b }}',
      '{{ 0x1F + 1.5 ** 2 }}',
      '{{ a(b=1, *c) }}',
      "{{ '}}' }}",
      'plain text',
    ];
    for (const template of valid) expect(syntaxError(template), template).toBeUndefined();
  });

  it('tells a lone variable from a lone constant, as Jinja parses names', () => {
    const lone = (template: string) => {
      const parsed = parseTemplate(template);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.parts.flatMap((part) => (typeof part === 'string' ? [] : [part.lone]));
    };
    expect(lone('{{ token }}{{true}}{{ None }}{{self}}{{ a.b }}')).toEqual([
      { kind: 'variable', name: 'token' },
      { kind: 'constant', text: 'True' },
      { kind: 'constant', text: 'None' },
      { kind: 'variable', name: 'self' },
      { kind: 'other' },
    ]);
  });

  it('lists the variables an expression reads, with their attributes, in order', () => {
    const parsed = parseTemplate(
      'x={{ a.b.c | default(d) }} {{ e if false else tower.filename.f }}',
    );
    expect(
      parsed.ok && parsed.parts.flatMap((p) => (typeof p === 'string' ? [] : p.reads)),
    ).toEqual([
      { name: 'a', attributes: ['b', 'c'] },
      { name: 'd', attributes: [] },
      { name: 'e', attributes: [] },
      { constant: 'False' },
      { name: 'tower', attributes: ['filename', 'f'] },
    ]);
  });

  it('keeps the literal text around expressions, stripping what `{{-` and `-}}` strip', () => {
    const parsed = parseTemplate('a {{- x -}}  b{{ y }}');
    expect(parsed.ok && parsed.parts.map((p) => (typeof p === 'string' ? p : '*'))).toEqual([
      'a',
      '*',
      'b',
      '*',
    ]);
  });
});
