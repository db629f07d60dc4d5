/**
 * A launch's values as a job template's survey takes them. While a survey is enabled AWX checks
 * every answer against its question, whatever the template prompts for
 * (SurveyJobTemplateMixin._accept_or_ignore_variables and _survey_element_validation in
 * awx/main/models/mixins.py): text, textarea and password questions take only a string,
 * multiplechoice one of its choices, multiselect a list of them, integer an integer and float a
 * number, each within the question's min and max (lengths for text). Anything else is a 400,
 * variables_needed_to_start. kubernaut's coercion would send "8080" to a text question as 8080,
 * which AWX refuses, so a value a question covers is typed for the question instead, and checked
 * here by the same rules.
 */
import type { ExtraVarValue } from './extra-vars.js';
import type { SurveyQuestion } from './schemas.js';

/** The questions of an enabled survey by variable; empty for a template that has none. */
export type Survey = ReadonlyMap<string, SurveyQuestion>;

export function surveyOf(questions: readonly SurveyQuestion[]): Survey {
  return new Map(questions.map((question) => [question.variable, question]));
}

/** A value typed for its question, or what the question's rules find wrong with it. */
export type SurveyAnswer = { readonly value: ExtraVarValue } | { readonly problem: string };

/** AWX's REPLACE_STR: a password answer that asks for the question's stored default. */
const encrypted = '$encrypted$';

/** At most this many choices in a message; the rest are counted. */
const choicesShown = 10;

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
// Python's int() text: surrounding whitespace allowed (its digit underscores are not read here).
const PYTHON_INT = /^\s*[+-]?[0-9]+\s*$/;
// Python's str.splitlines() boundaries, and what str.strip() removes, as AWX reads choices.
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python breaks lines at these too.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
const PYTHON_BLANK =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python counts these as whitespace.
  /^[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/**
 * `text` typed for `question` and checked by its rules; undefined for a question type AWX does
 * not check (none it saves today), whose value is then sent as if no question covered it.
 * Messages describe the value, never repeat it: it may be a password.
 */
export function answerQuestion(question: SurveyQuestion, text: string): SurveyAnswer | undefined {
  switch (question.type) {
    case 'text':
    case 'textarea':
    case 'password':
      return answerText(question, text);
    case 'integer':
      return answerNumber(question, INTEGER.test(text) ? integerValue(text) : undefined, 'int');
    case 'float':
      return answerNumber(question, floatValue(text), 'float');
    case 'multiplechoice': {
      const choices = choiceList(question.choices);
      if (choices && !choices.includes(text)) return { problem: `must be ${oneOf(choices)}` };
      return { value: text };
    }
    case 'multiselect': {
      const selected = selection(text);
      const choices = choiceList(question.choices);
      if (choices && selected.some((item) => !choices.includes(item))) {
        return {
          problem: `must list choices, one a line or as a JSON array of strings, each ${oneOf(choices)}`,
        };
      }
      return { value: selected };
    }
    default:
      return undefined;
  }
}

function answerText(question: SurveyQuestion, text: string): SurveyAnswer {
  if (question.type === 'password' && text === encrypted) {
    // AWX drops this answer and runs the job with the question's default instead.
    return { problem: `must not be ${encrypted}, which AWX takes as "keep the default"` };
  }
  // Python's len counts code points, not UTF-16 units.
  const length = [...text].length;
  const min = limit(question.min, 'int');
  const max = limit(question.max, 'int');
  if (min !== undefined && length < min) {
    return { problem: `must be at least ${min} characters long` };
  }
  if (max !== undefined && length > max) {
    return { problem: `must be at most ${max} characters long` };
  }
  return { value: text };
}

function answerNumber(
  question: SurveyQuestion,
  value: number | bigint | undefined,
  kind: 'int' | 'float',
): SurveyAnswer {
  if (value === undefined) {
    return {
      problem:
        kind === 'int'
          ? 'must be an integer (decimal digits, optionally signed)'
          : 'must be a finite decimal number (e.g. 1.5 or 2)',
    };
  }
  const min = limit(question.min, kind);
  const max = limit(question.max, kind);
  if (min !== undefined && value < min) return { problem: `must be at least ${min}` };
  if (max !== undefined && value > max) return { problem: `must be at most ${max}` };
  return { value };
}

/** A decimal integer, as a number while that is exact and as a bigint beyond. */
function integerValue(text: string): number | bigint {
  const integer = BigInt(text);
  const small = Number(integer);
  return Number.isSafeInteger(small) ? small : integer;
}

function floatValue(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A question's `min` or `max` as AWX applies it: `int(...)` for integers and lengths, `float(...)`
 * for floats; none when it is unset, `""` or null. Text that Python would not read (AWX would
 * fail on it) sets no limit here.
 */
function limit(raw: SurveyQuestion['min'], kind: 'int' | 'float'): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number') return kind === 'int' ? Math.trunc(raw) : raw;
  if (kind === 'int') return PYTHON_INT.test(raw) ? Number(raw) : undefined;
  const value = DECIMAL.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The choices as AWX matches an answer against them: the non-blank lines of text, a list's
 * strings (an answer is a string, so nothing else can match), an object's keys. None when the
 * question has no choices (AWX refuses such a spec when it is saved).
 */
function choiceList(raw: SurveyQuestion['choices']): readonly string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return nonBlankLines(raw);
  if (Array.isArray(raw)) return raw.filter((choice) => typeof choice === 'string');
  return Object.keys(raw);
}

function nonBlankLines(text: string): string[] {
  return text.split(LINE_BREAK).filter((line) => !PYTHON_BLANK.test(line));
}

/**
 * A multiselect answer from a parameter's text: a JSON array of strings as it is, else one
 * choice a line (blank lines dropped), the way AWX writes multiselect choices and defaults.
 */
function selection(text: string): string[] {
  if (text.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) {
        return parsed;
      }
    } catch {
      // Not JSON: read as lines.
    }
  }
  return nonBlankLines(text);
}

function oneOf(choices: readonly string[]): string {
  if (choices.length === 0) return 'one of the choices, and the question has none';
  const shown = choices
    .slice(0, choicesShown)
    .map((choice) => JSON.stringify(choice))
    .join(', ');
  const more = choices.length - choicesShown;
  return `one of ${more > 0 ? `${shown} and ${more} more` : shown}`;
}
