import { printableJson, printableText, RoundhouseError } from '@roundhouse/core';
import type { FilterOperator, JsonPathTemplate, Step, TemplatePart } from './jsonpath-template.js';

/**
 * A template that parsed but cannot run on this object, where kubectl fails too: an index past
 * an array's end, a filter comparing a string with a number. A missing field is no error: it
 * prints nothing, as `kubectl get` (whose --allow-missing-template-keys defaults to true).
 */
export class JsonPathEvaluationError extends RoundhouseError {
  readonly reason = 'JsonPathFailed';
  readonly fix =
    'check the template against the object: kubectl roundhouse get NAME -o json shows its fields';

  constructor(problem: string) {
    super(`the jsonpath template cannot run: ${problem}`);
  }
}

/** A value a JSON document holds; `undefined` never occurs in one. */
type Value = unknown;

/**
 * The text kubectl's `-o jsonpath` prints for `data`: each action's results separated by a space,
 * strings, numbers and booleans as text, objects and arrays as compact JSON, no newline added.
 * Text from the object has its hidden characters escaped (line breaks and tabs stay, a value is
 * often many lines), as everything the CLI prints of the cluster.
 */
export function renderJsonPath(template: JsonPathTemplate, data: Value): string {
  return template.map((part) => renderPart(part, data)).join('');
}

/**
 * Every value a template's actions find in `data`, as `-o custom-columns` reads them; a quoted
 * text is its string.
 */
export function jsonPathValues(template: JsonPathTemplate, data: Value): Value[] {
  return template.flatMap((part) =>
    part.kind === 'action' ? evaluate(part.steps, [data]).map(unwrapped) : [],
  );
}

function unwrapped(found: Found): Value {
  return typeof found === 'object' && found !== null && literals.has(found)
    ? (found as { literal: string }).literal
    : found;
}

function renderPart(part: TemplatePart, current: Value): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'action':
      return evaluate(part.steps, [current]).map(textOf).join(' ');
    case 'range':
      return evaluate(part.steps, [current])
        .map((item) => renderJsonPath(part.body, item))
        .join('');
  }
}

/** A step's literal text is the user's own and printed as it is; everything else is data. */
type Found = Value | { readonly literal: string };

const literals = new WeakSet<object>();

function literal(text: string): Found {
  const found = { literal: text };
  literals.add(found);
  return found;
}

function textOf(found: Found): string {
  const value = unwrapped(found);
  if (literals.has(found as object)) return value as string;
  if (value === null) return '<nil>';
  if (typeof value === 'string') return printableText(value, '\n\t');
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'object') return printableJson(goJson(value));
  return String(value);
}

/** Go's `%v` of a float64: exponent form below 1e-4 and from 1e21, with two exponent digits. */
export function goNumber(value: number): string {
  const text = value !== 0 && Math.abs(value) < 1e-4 ? value.toExponential() : String(value);
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Go's json.Marshal of a decoded object: keys sorted, `<`, `>` and `&` escaped. */
function goJson(value: Value): string {
  const sorted = (v: Value): Value => {
    if (Array.isArray(v)) return v.map(sorted);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted((v as Record<string, Value>)[k])]),
    );
  };
  return JSON.stringify(sorted(value)).replace(
    /[<>&]/g,
    (c) => `\\u00${c.charCodeAt(0).toString(16)}`,
  );
}

const isObject = (v: Value): v is Record<string, Value> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !literals.has(v);

function children(value: Found): Value[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  return [];
}

function evaluate(steps: readonly Step[], input: readonly Found[]): Found[] {
  return steps.reduce<Found[]>((values, step) => apply(step, values), [...input]);
}

function apply(step: Step, input: readonly Found[]): Found[] {
  switch (step.kind) {
    case 'field':
      return input.flatMap((v) =>
        isObject(v) && Object.hasOwn(v, step.name) ? [v[step.name]] : [],
      );
    case 'wildcard':
      return input.flatMap(children);
    case 'recursive':
      return input.flatMap(descendants);
    case 'slice':
      return slice(step, input);
    case 'union':
      return step.branches.flatMap((branch) => evaluate(branch, input));
    case 'filter':
      return input.flatMap((v) => filter(step, v));
    case 'text':
      return [literal(step.text)];
    case 'constant':
      return input.map(() => step.value);
  }
}

/** A container and, depth first, every container below it; leaves come from the next step. */
function descendants(value: Found): Found[] {
  const below = children(value);
  return below.length ? [value, ...below.flatMap(descendants)] : [];
}

function typeName(value: Found): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  return `the ${typeof value} ${JSON.stringify(textOf(value))}`;
}

function slice(step: Extract<Step, { kind: 'slice' }>, input: readonly Found[]): Found[] {
  const result: Found[] = [];
  for (const value of input) {
    if (value === null) continue;
    if (!Array.isArray(value)) {
      throw new JsonPathEvaluationError(`[] of ${typeName(value)}, not of an array`);
    }
    const length = value.length;
    let start = step.start ?? 0;
    if (start < 0) start += length;
    let end = step.end ?? length;
    if (end < 0 || (end === 0 && step.endDerived)) end += length;
    // kubectl stops at the first empty slice, whatever other arrays the path found.
    if (start === end) return result;
    if (start < 0 || start >= length) {
      throw new JsonPathEvaluationError(
        `array index out of bounds: index ${start}, length ${length}`,
      );
    }
    if (end < 0 || end > length) {
      throw new JsonPathEvaluationError(
        `array index out of bounds: index ${end - 1}, length ${length}`,
      );
    }
    if (start > end) {
      throw new JsonPathEvaluationError(
        `starting index ${start} is greater than ending index ${end}`,
      );
    }
    const by = step.step ?? 1;
    if (by <= 0) throw new JsonPathEvaluationError('a slice step must be more than 0');
    for (let i = start; i < end; i += by) result.push(value[i]);
  }
  return result;
}

function filter(step: Extract<Step, { kind: 'filter' }>, value: Found): Found[] {
  if (!Array.isArray(value)) {
    throw new JsonPathEvaluationError(`[?()] of ${typeName(value)}, not of an array`);
  }
  return value.filter((element) => {
    const lefts = evaluate(step.left, [element]);
    if (step.operator === 'exists') return lefts.length > 0;
    const rights = evaluate(step.right, [element]);
    if (lefts.length === 0 || rights.length === 0) return false;
    if (lefts.length > 1 || rights.length > 1) {
      throw new JsonPathEvaluationError('a filter compares one value with one value');
    }
    return compare(scalar(lefts[0]), step.operator, scalar(rights[0]));
  });
}

type Scalar = string | number | boolean;

function scalar(found: Found): Scalar {
  if (typeof found === 'object' && found !== null && literals.has(found)) {
    return unwrapped(found) as string;
  }
  if (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean') {
    return found;
  }
  throw new JsonPathEvaluationError(`a filter cannot compare ${typeName(found)}`);
}

function compare(left: Scalar, operator: FilterOperator, right: Scalar): boolean {
  if (typeof left !== typeof right) {
    throw new JsonPathEvaluationError(
      `a filter cannot compare ${typeName(left)} with ${typeName(right)}`,
    );
  }
  if (operator === '==') return left === right;
  if (operator === '!=') return left !== right;
  if (typeof left === 'boolean') {
    throw new JsonPathEvaluationError(`${operator} does not order booleans`);
  }
  if (operator === '<') return left < right;
  if (operator === '>') return left > right;
  if (operator === '<=') return left <= right;
  return left >= right;
}
