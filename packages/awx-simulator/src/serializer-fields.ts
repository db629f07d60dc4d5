/**
 * Zod schemas that accept and reject request fields the way Django REST Framework's serializer
 * fields do in AWX, word for word, so a client's error handling meets the real messages.
 * Unknown keys are dropped silently, as DRF does.
 */
import { z } from 'zod';
import { exactNumber, pythonIntOrUndefined, pythonIntText } from './python-int-text.js';
import {
  holdsNonFinite,
  isJsonObject,
  isRawJson,
  pythonStr,
  pythonTypeName,
} from './python-json.js';
import { PYTHON_SPACE, pythonStrip, pythonTruth } from './python-operators.js';
import { AwxServerError } from './replies.js';

type Ctx = z.core.$RefinementCtx<unknown>;

function fail(ctx: Ctx, value: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: value });
  return z.NEVER;
}

const REQUIRED = 'This field is required.';
const NOT_NULL = 'This field may not be null.';

/** A DRF field: the key may be absent, and the transform decides what absence means. */
function field<T>(parse: (value: unknown, ctx: Ctx) => T) {
  return z.unknown().optional().transform(parse);
}

interface CharOptions {
  readonly required?: boolean | undefined;
  readonly allowBlank?: boolean | undefined;
  readonly maxLength?: number | undefined;
}

/** Whether Python's json.loads made an int or a float of it: DRF takes its str() as text. */
function isPythonNumber(value: unknown): boolean {
  return typeof value === 'number' || isRawJson(value);
}

/**
 * `CharField`: numbers become their Python str() (`1.5`, `nan`), surrounding whitespace is
 * trimmed, NUL is refused.
 */
export function charField(options: CharOptions = {}) {
  return field((value, ctx): string => charValue(value, ctx, options));
}

function charValue(value: unknown, ctx: Ctx, options: CharOptions): string {
  const { required = true, allowBlank = false, maxLength } = options;
  if (value === undefined) return required ? fail(ctx, value, REQUIRED) : '';
  if (value === null) return fail(ctx, value, NOT_NULL);
  if (typeof value !== 'string' && !isPythonNumber(value)) {
    return fail(ctx, value, 'Not a valid string.');
  }
  const text = pythonStrip(pythonStr(value));
  if (text === '' && !allowBlank) return fail(ctx, value, 'This field may not be blank.');
  if (maxLength !== undefined && text.length > maxLength) {
    return fail(ctx, value, `Ensure this field has no more than ${maxLength} characters.`);
  }
  // ProhibitNullCharactersValidator, which every DRF CharField runs after its length check.
  if (text.includes('\0')) return fail(ctx, value, 'Null characters are not allowed.');
  return text;
}

/** Django's refusal of a blank value for a model column that may not be blank (full_clean). */
export const BLANK_COLUMN = 'This field cannot be blank.';

/**
 * AWX's CharNullField, which its BaseSerializer makes of every writable text column of a model:
 * DRF's CharField, except that a value Python counts false other than `''` (`null`, `false`,
 * `0`, `[]`, `{}`) is taken as `''` past the field's blank check, leaving a column that may not be
 * blank to the model's full_clean.
 */
export function charNullField(options: CharOptions = {}) {
  return field((value, ctx): string =>
    value !== undefined && value !== '' && !pythonTruth(value)
      ? ''
      : charValue(value, ctx, options),
  );
}

/** `ChoiceField`; an optional one is `undefined` when absent. */
export function choiceField<const T extends string>(choices: readonly T[]) {
  return field((value, ctx): T => {
    if (value === undefined) return fail(ctx, value, REQUIRED);
    return choice(choices, value, ctx);
  });
}

export function optionalChoiceField<const T extends string>(choices: readonly T[]) {
  return field((value, ctx): T | undefined =>
    value === undefined ? undefined : choice(choices, value, ctx),
  );
}

/**
 * AWX's ChoiceNullField, which its BaseSerializer makes of a model's text column with choices: a
 * value Python counts false is looked up as `''`.
 */
export function choiceNullField<const T extends string>(choices: readonly T[]) {
  return field((value, ctx): T => {
    if (value === undefined) return fail(ctx, value, REQUIRED);
    return choice(choices, pythonTruth(value) ? value : '', ctx);
  });
}

/** DRF looks the value's Python str() up among the choices' (`"1.0"` is not `"1"`). */
function choice<T extends string>(choices: readonly T[], value: unknown, ctx: Ctx): T {
  if (value === null) return fail(ctx, value, NOT_NULL);
  const text = pythonStr(value);
  const match = choices.find((option) => option === text);
  return match ?? fail(ctx, value, `"${text}" is not a valid choice.`);
}

const TRUE_TEXT = new Set(['t', 'y', 'yes', 'true', 'on', '1']);
const FALSE_TEXT = new Set(['f', 'n', 'no', 'false', 'off', '0']);

/**
 * An optional `BooleanField`, `undefined` when absent. DRF 3.15 lowercases text before looking
 * it up, so any casing of its spellings counts; a number counts when it equals 1 or 0, as
 * Python's set lookup finds `1.0` where `1` is.
 */
export function optionalBooleanField() {
  return field((value, ctx): boolean | undefined => {
    if (value === undefined) return undefined;
    // Field.validate_empty_values, ahead of the field's own reading.
    if (value === null) return fail(ctx, value, NOT_NULL);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      if (TRUE_TEXT.has(value.toLowerCase())) return true;
      if (FALSE_TEXT.has(value.toLowerCase())) return false;
    } else if (isPythonNumber(value)) {
      const number = isRawJson(value) ? Number(value.rawJSON) : (value as number);
      if (number === 1) return true;
      if (number === 0) return false;
    }
    return fail(ctx, value, 'Must be a valid boolean.');
  });
}

// DRF's IntegerField strips a zero fraction (`re_decimal`, whose `\s` is Python's), then Python's
// int() reads the rest.
const ZERO_FRACTION = new RegExp(`\\.0*${PYTHON_SPACE}*$`);
/** IntegerField.MAX_STRING_LENGTH. */
const MAX_STRING_LENGTH = 1000;

/** An optional `IntegerField`, with DRF's `min_value` if given; `undefined` when absent. */
export function optionalIntegerField(options: { readonly min?: number | undefined } = {}) {
  return field((value, ctx): number | undefined => {
    if (value === undefined) return undefined;
    if (value === null) return fail(ctx, value, NOT_NULL);
    // DRF's guard against long text, before int() would read it.
    if (typeof value === 'string' && [...value].length > MAX_STRING_LENGTH) {
      return fail(ctx, value, 'String value too large.');
    }
    // str(True) is "True", which int() refuses; so does a list or an object, and `nan`, `inf`
    // and `1e+16`, the str() of floats.
    const text =
      isPythonNumber(value) || typeof value === 'string'
        ? pythonStr(value).replace(ZERO_FRACTION, '')
        : '';
    const integer = pythonIntText(text);
    if (typeof integer !== 'bigint') return fail(ctx, value, 'A valid integer is required.');
    const number = Number(integer);
    if (options.min !== undefined && number < options.min) {
      return fail(ctx, value, `Ensure this value is greater than or equal to ${options.min}.`);
    }
    return number;
  });
}

/** Whether a primary key names an existing object; DRF checks it with the field. */
export type Exists = (id: number) => boolean;

/**
 * A primary key as `PrimaryKeyRelatedField` takes it: Django's lookup reads it with int(), which
 * takes an integer of any size, text int() reads, or a float, which it truncates; int() of NaN
 * is a ValueError, which DRF words, and of an infinity an OverflowError, which nothing catches.
 */
function pkInt(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string') return pythonIntOrUndefined(value);
  if (typeof value === 'number' && !Number.isNaN(value) && !Number.isFinite(value)) {
    throw new AwxServerError('OverflowError: cannot convert float infinity to integer');
  }
  if (!isRawJson(value)) return undefined;
  return pythonTypeName(value) === 'float'
    ? BigInt(Math.trunc(Number(value.rawJSON)))
    : BigInt(value.rawJSON);
}

function pkValue(value: unknown, exists: Exists, ctx: Ctx): number {
  const id = pkInt(value);
  if (id === undefined) {
    return fail(
      ctx,
      value,
      `Incorrect type. Expected pk value, received ${pythonTypeName(value)}.`,
    );
  }
  const known = exactNumber(id);
  return known !== undefined && exists(known)
    ? known
    : fail(ctx, value, `Invalid pk "${pythonStr(value)}" - object does not exist.`);
}

interface PkOptions {
  readonly exists: Exists;
  readonly required?: boolean | undefined;
  readonly allowNull?: boolean | undefined;
}

/** `PrimaryKeyRelatedField`; `null` when absent or explicitly null and allowed. */
export function pkField(options: PkOptions) {
  const { exists, required = true, allowNull = false } = options;
  return field((value, ctx): number | null => {
    if (value === undefined) return required ? fail(ctx, value, REQUIRED) : null;
    if (value === null) return allowNull ? null : fail(ctx, value, NOT_NULL);
    return pkValue(value, exists, ctx);
  });
}

/** `PrimaryKeyRelatedField(many=True)`, which stops at the first bad item; `undefined` when absent. */
export function manyPkField(exists: Exists) {
  return field((value, ctx): number[] | undefined => {
    if (value === undefined) return undefined;
    // ManyRelatedField does not pass allow_null on, so null is refused before the list check.
    if (value === null) return fail(ctx, value, NOT_NULL);
    if (!Array.isArray(value)) {
      return fail(ctx, value, `Expected a list of items but got type "${pythonTypeName(value)}".`);
    }
    const ids: number[] = [];
    for (const item of value) {
      const issues = ctx.issues.length;
      ids.push(pkValue(item, exists, ctx));
      if (ctx.issues.length > issues) return z.NEVER;
    }
    return ids;
  });
}

/**
 * DRF's `JSONField` check: it writes the value with its strict json.dumps, so one that holds a
 * NaN or an infinity (which AWX's parser reads) is not JSON. `undefined` when it passes.
 */
export function jsonFieldError(value: unknown): string | undefined {
  return holdsNonFinite(value) ? 'Value must be valid JSON.' : undefined;
}

/** A JSON field validated later against a JSON schema; absent means `{}`. */
export function jsonField() {
  return field((value, ctx): unknown => {
    if (value === undefined) return {};
    const invalid = jsonFieldError(value);
    return invalid === undefined ? value : fail(ctx, value, invalid);
  });
}

/** AWX's REST_FRAMEWORK NON_FIELD_ERRORS_KEY (awx/settings/defaults.py), DRF's is another. */
export const NON_FIELD_ERRORS_KEY = '__all__';

/** DRF's field-keyed error dict from a failed parse: `{"name": ["This field is required."]}`. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? NON_FIELD_ERRORS_KEY);
    if (!errors[key]?.length) errors[key] = [issue.message];
  }
  return errors;
}

/**
 * Parses a request body that must be a JSON object, as DRF serializers require. Over HTTP only
 * `null` gets here of what is not an object (AWX's parser refuses the rest), and DRF's
 * Serializer.errors says so in its own words.
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
): { ok: true; value: z.infer<S> } | { ok: false; errors: Record<string, string[]> } {
  if (!isJsonObject(body)) {
    const message =
      body === null
        ? 'No data provided'
        : `Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`;
    return { ok: false, errors: { [NON_FIELD_ERRORS_KEY]: [message] } };
  }
  const result = schema.safeParse(body);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: fieldErrors(result.error) };
}

/** AWX's optional `VerbatimField`: any value as sent but `null`; `undefined` when absent. */
export function optionalVerbatimField() {
  return field((value, ctx): unknown => (value === null ? fail(ctx, value, NOT_NULL) : value));
}
