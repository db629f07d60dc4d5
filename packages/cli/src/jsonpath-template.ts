import { RoundhouseError } from '@roundhouse/core';
import { unquoteGo } from './go-quoted.js';

/**
 * `-o jsonpath=TEMPLATE`, read as kubectl's parser (k8s.io/client-go/util/jsonpath) reads it, so
 * a template that works with `kubectl get` works here: text outside `{}` is printed as written,
 * each `{...}` is a path whose results are printed, `{range PATH}...{end}` repeats its body for
 * each result.
 */
export type JsonPathTemplate = readonly TemplatePart[];

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly steps: readonly Step[] }
  | { readonly kind: 'range'; readonly steps: readonly Step[]; readonly body: JsonPathTemplate };

export type FilterOperator = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** One step of a path, applied to every value the steps before it found. */
export type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'recursive' }
  | {
      readonly kind: 'slice';
      readonly start: number | undefined;
      readonly end: number | undefined;
      /** `[n]` is the slice `[n:n+1]`; its end counts from the array's end when n is -1. */
      readonly endDerived: boolean;
      readonly step: number | undefined;
    }
  | { readonly kind: 'union'; readonly branches: readonly (readonly Step[])[] }
  | {
      readonly kind: 'filter';
      readonly left: readonly Step[];
      readonly operator: FilterOperator | 'exists';
      readonly right: readonly Step[];
    }
  /** A quoted string: one value whatever the input, as kubectl's text node. */
  | { readonly kind: 'text'; readonly text: string }
  /** A number or boolean: one value for each input value. */
  | { readonly kind: 'constant'; readonly value: number | boolean };

/** A template kubectl would refuse to parse; `position` counts characters from 1. */
export class JsonPathSyntaxError extends RoundhouseError {
  readonly reason = 'InvalidJsonPath';

  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at character ${position}`);
  }
}

/** kubectl's; `=~` is not among them (kubernetes#72220), and is named when refused. */
const operators: readonly string[] = ['==', '!=', '<', '>', '<=', '>='];
const sliceSyntax = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const dictKey = /^'([^']*)'$/;
const comparison = /^([^!<>=]+)([!<>=~]+)(.+?)$/;

/** Parses a template; throws JsonPathSyntaxError naming the first mistake's position. */
export function parseJsonPath(template: string): JsonPathTemplate {
  const parts = new Reader(template, 0).template();
  return nest(parts, { value: 0 });
}

/** Where an action opened a range or closed one, before nesting. */
type FlatPart =
  | TemplatePart
  | { kind: 'begin'; steps: readonly Step[] }
  | { kind: 'end'; at: number };

/**
 * Nests `{range}` bodies up to their `{end}`. A range left open runs to the template's end, as
 * in kubectl; an `{end}` with no range is kubectl's "not in range, nothing to end".
 */
function nest(
  flat: readonly FlatPart[],
  cursor: { value: number },
  inRange = false,
): TemplatePart[] {
  const parts: TemplatePart[] = [];
  while (cursor.value < flat.length) {
    const part = flat[cursor.value++] as FlatPart;
    if (part.kind === 'end') {
      if (!inRange) throw new JsonPathSyntaxError('{end} without a {range} before it', part.at);
      return parts;
    }
    parts.push(
      part.kind === 'begin'
        ? { kind: 'range', steps: part.steps, body: nest(flat, cursor, true) }
        : part,
    );
  }
  return parts;
}

function isTerminator(char: string | undefined): boolean {
  return char === undefined || ' \t\r\n.,[]$@{}'.includes(char);
}

const isAlphaNumeric = (char: string | undefined) =>
  char !== undefined && /^[\p{L}\p{Nd}_]$/u.test(char);

/** A cursor over the template; `offset` places a sub-expression's positions in the whole. */
class Reader {
  private pos = 0;

  constructor(
    private readonly input: string,
    private readonly offset: number,
  ) {}

  private fail(problem: string, at = this.pos): never {
    throw new JsonPathSyntaxError(problem, this.offset + at + 1);
  }

  template(): FlatPart[] {
    const parts: FlatPart[] = [];
    while (this.pos < this.input.length) {
      const brace = this.input.indexOf('{', this.pos);
      const textEnd = brace === -1 ? this.input.length : brace;
      if (textEnd > this.pos)
        parts.push({ kind: 'text', text: this.input.slice(this.pos, textEnd) });
      if (brace === -1) break;
      const at = brace;
      this.pos = brace + 1;
      const steps = this.steps(true);
      parts.push(this.actionPart(steps, at));
    }
    return parts;
  }

  /** `range` and `end` are words only at an action's start, where kubectl gives them meaning. */
  private actionPart(steps: readonly (Step | Keyword)[], at: number): FlatPart {
    const [first, ...rest] = steps;
    const misplaced = rest.find((s): s is Keyword => s.kind === 'keyword');
    if (misplaced)
      this.fail(
        `"${misplaced.word}" is only understood at the start of {}`,
        misplaced.at - this.offset,
      );
    if (first?.kind === 'keyword') {
      if (first.word === 'end') {
        if (rest.length) this.fail('{end} takes nothing after it', first.at - this.offset);
        return { kind: 'end', at: this.offset + at + 1 };
      }
      return { kind: 'begin', steps: rest as Step[] };
    }
    return { kind: 'action', steps: steps as Step[] };
  }

  /** The steps of an action up to its `}` (`closed`), or of a whole sub-expression. */
  private steps(closed: boolean): (Step | Keyword)[] {
    const steps: (Step | Keyword)[] = [];
    for (;;) {
      const rest = this.input.slice(this.pos);
      if (rest === '') {
        if (closed) this.fail('unclosed action: no "}"');
        return steps;
      }
      if (closed && rest.startsWith('}')) {
        this.pos++;
        return steps;
      }
      if (rest.startsWith('[?(')) {
        steps.push(this.filter());
        continue;
      }
      if (rest.startsWith('..')) {
        if (steps.at(-1)?.kind === 'recursive') this.fail('".." twice in a row');
        this.pos += 2;
        steps.push({ kind: 'recursive' });
        if (isAlphaNumeric(this.input[this.pos])) steps.push(this.field());
        continue;
      }
      const char = rest[0] as string;
      if (char === '\n' || char === '\r') this.fail('unclosed action: a line break before "}"');
      if (char === ' ' || char === '@' || char === '$') this.pos++;
      else if (char === '[') steps.push(...this.subscript());
      else if (char === '"' || char === "'") steps.push(this.quoted(char));
      else if (char === '.') {
        this.pos++;
        steps.push(this.field());
      } else if (char === '+' || char === '-' || /\d/.test(char)) steps.push(this.number());
      else if (isAlphaNumeric(char)) steps.push(this.word());
      else this.fail(`unexpected ${JSON.stringify(char)}`);
    }
  }

  /** A field name runs to the next terminator; a backslash makes the next character part of it. */
  private field(): Step {
    let name = '';
    while (!isTerminator(this.input[this.pos])) {
      if (this.input[this.pos] === '\\') this.pos++;
      name += this.input[this.pos] ?? '';
      this.pos++;
    }
    return name === '*' ? { kind: 'wildcard' } : { kind: 'field', name };
  }

  private word(): Step | Keyword {
    const start = this.pos;
    while (!isTerminator(this.input[this.pos])) this.pos++;
    const word = this.input.slice(start, this.pos);
    if (word === 'true' || word === 'false') return { kind: 'constant', value: word === 'true' };
    if (word === 'range' || word === 'end')
      return { kind: 'keyword', word, at: this.offset + start };
    return this.fail(
      `unknown word ${JSON.stringify(word)} (only range, end, true and false are)`,
      start,
    );
  }

  private number(): Step {
    const start = this.pos;
    if (this.input[this.pos] === '+' || this.input[this.pos] === '-') this.pos++;
    while (/[\d.]/.test(this.input[this.pos] ?? '')) this.pos++;
    const text = this.input.slice(start, this.pos);
    const value = Number(text);
    if (!/\d/.test(text) || !Number.isFinite(value) || (text.match(/\./g)?.length ?? 0) > 1) {
      this.fail(`${JSON.stringify(text)} is not a number`, start);
    }
    return { kind: 'constant', value };
  }

  private quoted(quote: string): Step {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const char = this.input[this.pos];
      if (char === undefined || char === '\n') this.fail('unterminated quoted string', start);
      this.pos++;
      if (char === '\\') this.pos++;
      else if (char === quote) break;
    }
    return {
      kind: 'text',
      text: unquoteGo(this.input.slice(start + 1, this.pos - 1), () =>
        this.fail('a bad escape in the quoted string', start),
      ),
    };
  }

  /** `[n]`, `[start:end:step]`, `[*]`, `['key']`, and unions of them: `[0,2]`. */
  private subscript(): Step[] {
    const start = this.pos;
    const close = this.input.indexOf(']', start);
    const newline = this.input.slice(start, close === -1 ? undefined : close).search(/\n/);
    if (close === -1 || newline !== -1) this.fail('unterminated [ (no "]")', start);
    this.pos = close + 1;
    const inside = this.input.slice(start + 1, close);
    const text = inside === '*' ? ':' : inside;
    const parts = text.split(',');
    if (parts.length > 1) {
      return [
        {
          kind: 'union',
          branches: parts.map((part) => this.sub(`[${part.trim()}]`, start) as Step[]),
        },
      ];
    }
    const key = dictKey.exec(text);
    if (key) return this.sub(`.${key[1]}`, start) as Step[];
    const slice = sliceSyntax.exec(text);
    if (!slice)
      return this.fail(`${JSON.stringify(text)} is not an index, a slice, * or a 'key'`, start);
    const [startText, endText, stepText] = [slice[1] ?? '', slice[2], slice[3]].map((p, i) =>
      i > 0 && p !== undefined ? p.slice(1) : p,
    );
    const int = (value: string | undefined) => {
      if (value === undefined || value === '') return undefined;
      if (!/^-?\d+$/.test(value))
        this.fail(`array index ${JSON.stringify(value)} is not a number`, start);
      return Number(value);
    };
    const first = int(startText);
    // `[n]` alone, without a colon: the one element n.
    const derived = slice[2] === undefined;
    return [
      {
        kind: 'slice',
        start: first,
        end: derived ? (first ?? 0) + 1 : int(endText),
        endDerived: derived,
        step: int(stepText),
      },
    ];
  }

  /** `[?(@.a == "b")]`, or `[?(@.a)]`: the elements whose `@.a` exists. */
  private filter(): Step {
    const start = this.pos;
    this.pos += 3;
    // A ")" inside the one quoted value kubectl allows in a filter does not end it.
    let quote: string | undefined;
    let quoteClosed = false;
    for (;;) {
      const char = this.input[this.pos];
      if (char === undefined || char === '\n') this.fail('unterminated filter: no ")]"', start);
      this.pos++;
      if (char === '"' || char === "'") {
        if (quote === undefined) quote = char;
        else if (char === quote && this.input[this.pos - 2] !== '\\') quoteClosed = true;
      } else if (char === ')' && (quote !== undefined) === quoteClosed) break;
    }
    if (this.input[this.pos] !== ']') this.fail('a filter ends with ")]"');
    this.pos++;
    const body = this.input.slice(start + 3, this.pos - 2);
    const match = comparison.exec(body);
    if (!match)
      return {
        kind: 'filter',
        left: this.sub(body, start + 3) as Step[],
        operator: 'exists',
        right: [],
      };
    const [, left = '', operator = '', right = ''] = match;
    if (!operators.includes(operator)) {
      this.fail(
        `unknown operator ${JSON.stringify(operator)} (use ${operators.join(' ')})`,
        start + 3 + left.length,
      );
    }
    return {
      kind: 'filter',
      left: this.sub(left, start + 3) as Step[],
      operator: operator as FilterOperator,
      right: this.sub(right, start + 3 + left.length + operator.length) as Step[],
    };
  }

  /** A sub-expression (a filter's side, a union's branch) read on its own, placed at `at`. */
  private sub(text: string, at: number): (Step | Keyword)[] {
    const steps = new Reader(text, this.offset + at).steps(false);
    const keyword = steps.find((s): s is Keyword => s.kind === 'keyword');
    if (keyword)
      this.fail(
        `"${keyword.word}" is only understood at the start of {}`,
        keyword.at - this.offset,
      );
    return steps;
  }
}

interface Keyword {
  readonly kind: 'keyword';
  readonly word: 'range' | 'end';
  readonly at: number;
}
