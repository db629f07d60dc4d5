/**
 * A job template's survey spec as AWX saves and shows it. Saving follows
 * JobTemplateSurveySpec._validate_spec_data (awx/api/views/__init__.py): the first problem is
 * answered as `{"error": "..."}`, and what passes is rewritten before it is stored (choices and
 * choice defaults one per line, password defaults encrypted, an `$encrypted$` default replaced by
 * the one already stored). Reading follows SurveyJobTemplateMixin (awx/main/models/mixins.py).
 */

import { isJsonObject, pythonStr, pythonTypeName } from './python-json.js';
import { pythonContains } from './python-operators.js';
import { AwxServerError } from './replies.js';

/** A stored spec: `{}` (no survey) or one that passed `saveSurveySpec`, unknown keys kept. */
export type SurveySpec = Readonly<Record<string, unknown>>;

/** A question of a stored spec; saving made sure these four keys are there and typed. */
export interface SurveyQuestion extends Readonly<Record<string, unknown>> {
  readonly type: string;
  readonly question_name: string;
  readonly variable: string;
  readonly required: boolean;
}

/** What the survey rules read from a template. */
export interface Surveyed {
  readonly surveyEnabled: boolean;
  readonly surveySpec: SurveySpec;
}

/** AWX's REPLACE_STR: how a secret reads back, and what a client sends to keep a stored one. */
export const ENCRYPTED = '$encrypted$';

// awx/main/constants.py SURVEY_TYPE_MAPPING, as the Python type names `isinstance` accepts (a
// bool is an int to Python).
const DEFAULT_TYPES: Readonly<Record<string, readonly string[]>> = {
  text: ['str'],
  textarea: ['str'],
  password: ['str'],
  multiplechoice: ['str'],
  multiselect: ['str'],
  integer: ['int', 'bool'],
  float: ['float', 'int', 'bool'],
};

// Python's str.splitlines() boundaries and str.isspace() characters, separators among them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python breaks lines at these too.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
const PYTHON_BLANK =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python counts these as whitespace.
  /^[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** The lines of `text` that are not blank, as AWX reads choices and choice defaults. */
export function nonBlankLines(text: string): string[] {
  return text.split(LINE_BREAK).filter((line) => !PYTHON_BLANK.test(line));
}

// AWX encrypts password defaults with Fernet under its SECRET_KEY. The simulator only needs what
// AWX's rules look at, the `$encrypted$` prefix, and a way back, so it wraps the text reversibly.
const SEALED = `${ENCRYPTED}UTF8$AESCBC$`;

/** encrypt_value: empty text and text already encrypted are left as they are. */
export function encryptValue(text: string): string {
  if (text === '' || text.startsWith(ENCRYPTED)) return text;
  return `${SEALED}${Buffer.from(text, 'utf8').toString('base64')}`;
}

/** decrypt_value, for a value `encryptValue` made. */
export function decryptValue(value: string): string {
  return Buffer.from(value.slice(SEALED.length), 'base64').toString('utf8');
}

/**
 * Whether launches apply the survey: `survey_enabled and 'spec' in survey_spec`. AWX tests the
 * spec's truthiness instead in _accept_or_ignore_variables; a stored spec is either `{}` or has
 * `spec`, so the two agree.
 */
export function surveyApplies(template: Surveyed): boolean {
  return template.surveyEnabled && Object.hasOwn(template.surveySpec, 'spec');
}

/** The questions a launch answers: none unless the survey applies. */
export function activeQuestions(template: Surveyed): readonly SurveyQuestion[] {
  return surveyApplies(template) ? (template.surveySpec.spec as readonly SurveyQuestion[]) : [];
}

/** JobTemplate.variables_needed_to_start: the required questions' variables. */
export function variablesNeededToStart(template: Surveyed): string[] {
  return activeQuestions(template)
    .filter((question) => question.required)
    .map((question) => question.variable);
}

/** survey_password_variables: what a job's views show as `$encrypted$`. */
export function passwordVariables(template: Surveyed): string[] {
  return activeQuestions(template)
    .filter((question) => question.type === 'password')
    .map((question) => question.variable);
}

/** display_survey_spec: a password question's default, when it has one, reads `$encrypted$`. */
export function displaySurveySpec(spec: SurveySpec): SurveySpec {
  if (!Array.isArray(spec.spec)) return spec;
  const questions = (spec.spec as readonly SurveyQuestion[]).map((question) =>
    question.type === 'password' && question.default
      ? { ...question, default: ENCRYPTED }
      : question,
  );
  return { ...spec, spec: questions };
}

export type SurveySpecOutcome =
  | { readonly ok: true; readonly spec: SurveySpec }
  | { readonly ok: false; readonly error: string };

const TOP_FIELDS = [
  ['name', 'str', 'string'],
  ['description', 'str', 'string'],
  ['spec', 'list', 'list of items'],
] as const;

/**
 * `POST survey_spec/`: the spec to store in place of `old`, or AWX's error. A body that is not a
 * JSON object, or choices that are neither text, a list nor an object, make AWX's Python raise
 * (`AwxServerError`): AWX answers 500.
 */
export function saveSurveySpec(body: unknown, old: SurveySpec): SurveySpecOutcome {
  if (!isJsonObject(body)) {
    throw new AwxServerError(`a survey spec of type ${pythonTypeName(body)} has no keys to check`);
  }
  // Every top-level check runs, and the last one to fail is the one reported.
  let error: string | undefined;
  for (const [field, type, label] of TOP_FIELDS) {
    if (!Object.hasOwn(body, field)) {
      error = `Field '${field}' is missing from survey spec.`;
    } else if (pythonTypeName(body[field]) !== type) {
      error = `Expected ${label} for field '${field}', received ${pythonTypeName(body[field])} type.`;
    }
  }
  if (Array.isArray(body.spec) && body.spec.length < 1) error = "'spec' doesn't contain any items.";
  if (error !== undefined) return { ok: false, error };

  const stored = new Map<string, SurveyQuestion>();
  for (const question of Array.isArray(old.spec) ? (old.spec as SurveyQuestion[]) : []) {
    stored.set(question.variable, question);
  }
  const variables = new Set<string>();
  const questions: SurveyQuestion[] = [];
  for (const [index, item] of (body.spec as unknown[]).entries()) {
    const checked = saveQuestion(item, String(index), variables, stored);
    if (typeof checked === 'string') return { ok: false, error: checked };
    variables.add(checked.variable);
    questions.push(checked);
  }
  return { ok: true, spec: { ...body, spec: questions } };
}

const REQUIRED_KEYS = ['type', 'question_name', 'variable', 'required'] as const;

/** One question: its first problem, or the question as AWX stores it. */
function saveQuestion(
  item: unknown,
  idx: string,
  variables: ReadonlySet<string>,
  stored: ReadonlyMap<string, SurveyQuestion>,
): SurveyQuestion | string {
  if (!isJsonObject(item)) return `Survey question ${idx} is not a json object.`;
  for (const key of REQUIRED_KEYS) {
    if (!Object.hasOwn(item, key)) return `'${key}' missing from survey question ${idx}`;
    const [type, label] = key === 'required' ? ['bool', 'boolean'] : ['str', 'string'];
    if (pythonTypeName(item[key]) !== type) {
      return `'${key}' in survey question ${idx} expected to be ${label}.`;
    }
  }
  const question = { ...item } as Record<string, unknown> & SurveyQuestion;
  const { type, variable } = question;
  if (variables.has(variable)) {
    return `'variable' '${variable}' duplicated in survey question ${idx}.`;
  }
  const defaultTypes = Object.hasOwn(DEFAULT_TYPES, type) ? DEFAULT_TYPES[type] : undefined;
  if (!defaultTypes) {
    return `'${type}' in survey question ${idx} is not one of '${Object.keys(DEFAULT_TYPES).join(', ')}' allowed question types.`;
  }
  const hasDefault = Object.hasOwn(question, 'default');
  if (hasDefault && question.default !== '') {
    if (!defaultTypes.includes(pythonTypeName(question.default))) {
      const label = type === 'integer' || type === 'float' ? type : 'string';
      return `Default value ${pythonStr(question.default)} in survey question ${idx} expected to be ${label}.`;
    }
  }
  for (const key of ['min', 'max']) {
    const limit = question[key];
    if (limit !== undefined && limit !== null && !['int', 'bool'].includes(pythonTypeName(limit))) {
      return `The ${key} limit in survey question ${idx} expected to be integer.`;
    }
  }
  if (type === 'multiselect' || type === 'multiplechoice') {
    const problem = saveChoices(question, idx);
    if (problem) return problem;
  }
  if (typeof question.default === 'string' && question.default.startsWith(ENCRYPTED)) {
    if (type !== 'password') {
      return `$encrypted$ is a reserved keyword for password question defaults, survey question ${idx} is type ${type}.`;
    }
    const previous = stored.get(variable)?.default;
    if (typeof previous !== 'string' || !(previous === '' || previous.startsWith(ENCRYPTED))) {
      return `$encrypted$ is a reserved keyword, may not be used for new default in position ${idx}.`;
    }
    question.default = previous;
  } else if (type === 'password' && hasDefault) {
    // The type check above left only text here.
    question.default = encryptValue(question.default as string);
  }
  return question;
}

/** Choices and defaults of a choice question, rewritten one per line in place; or the problem. */
function saveChoices(question: Record<string, unknown>, idx: string): string | undefined {
  if (!Object.hasOwn(question, 'choices')) {
    return `Survey question ${idx} of type ${question.type} must specify choices.`;
  }
  if (typeof question.choices === 'string') {
    question.choices = nonBlankLines(question.choices).join('\n');
  }
  if (!Object.hasOwn(question, 'default')) return undefined;
  // The default type check leaves only text for a choice question's default.
  const defaults = nonBlankLines(question.default as string);
  question.default = defaults.join('\n');
  if (question.type === 'multiplechoice' && defaults.length > 1) {
    return 'Multiple Choice (Single Select) can only have one default value.';
  }
  if (defaults.some((choice) => !pythonContains(question.choices, choice))) {
    return 'Default choice must be answered from the choices listed.';
  }
  return undefined;
}
