/**
 * What a survey does to a launch's variables, after SurveyJobTemplateMixin and SurveyJobMixin
 * (awx/main/models/mixins.py): each answer is checked against its question
 * (_survey_element_validation), the survey's variables are sorted out of the rest
 * (_accept_or_ignore_variables), the job's variables are layered with the valid defaults
 * (_update_unified_job_kwargs), and a job shows its password answers as `$encrypted$`
 * (display_extra_vars).
 */
import { pythonDict } from './python-dict.js';
import { parseJsonText, pythonJsonDumps, pythonStr, pythonTypeName } from './python-json.js';
import { pythonCompareNumbers, pythonContains } from './python-operators.js';
import {
  activeQuestions,
  decryptValue,
  ENCRYPTED,
  nonBlankLines,
  type Surveyed,
  type SurveyQuestion,
} from './survey-spec.js';

type Vars = Readonly<Record<string, unknown>>;

/** A limit AWX applies: present and neither `""` nor `None`. */
function limitOf(question: SurveyQuestion, key: 'min' | 'max'): unknown {
  const limit = question[key];
  return limit === undefined || limit === null || limit === '' ? undefined : limit;
}

/** The choices of a choice question as AWX compares answers with them. */
function choiceList(question: SurveyQuestion): unknown {
  return typeof question.choices === 'string' ? nonBlankLines(question.choices) : question.choices;
}

/**
 * _survey_element_validation with `validate_required` on, as every caller in a manual launch
 * has it (`_exclude_errors=['prompts']` leaves `required` in force): AWX's messages for the
 * answer `data` holds for `question`, none when it is fine.
 */
export function answerErrors(question: SurveyQuestion, data: Vars): string[] {
  const { variable: name, type } = question;
  const missing = [`'${name}' value missing`];
  const value = data[name];
  // `$encrypted$` asks for the stored default, so only its absence can be wrong.
  if (type === 'password' && value === ENCRYPTED) {
    const noDefault = question.default === undefined || question.default === null;
    return noDefault && question.required ? missing : [];
  }
  if (!Object.hasOwn(data, name)) return question.required ? missing : [];
  const min = limitOf(question, 'min');
  const max = limitOf(question, 'max');
  const tooLarge = `'${name}' value ${pythonStr(value)} is too large (must be no more than ${pythonStr(max)}).`;
  const errors: string[] = [];
  switch (type) {
    case 'text':
    case 'textarea':
    case 'password': {
      if (typeof value !== 'string') {
        return [`Value ${pythonStr(value)} for '${name}' expected to be a string.`];
      }
      // Python counts code points, not UTF-16 units.
      const length = [...value].length;
      if (min !== undefined && pythonCompareNumbers(length, min) < 0) {
        errors.push(
          `'${name}' value ${value} is too small (length is ${length} must be at least ${pythonStr(min)}).`,
        );
      }
      if (max !== undefined && pythonCompareNumbers(length, max) > 0) errors.push(tooLarge);
      return errors;
    }
    case 'integer':
    case 'float': {
      // `type(x) != int` refuses a bool, as does `type(x) not in (float, int)`.
      const accepted = type === 'integer' ? ['int'] : ['float', 'int'];
      if (!accepted.includes(pythonTypeName(value))) {
        const expected = type === 'integer' ? 'an integer' : 'a numeric type';
        return [`Value ${pythonStr(value)} for '${name}' expected to be ${expected}.`];
      }
      if (min !== undefined && pythonCompareNumbers(value, min) < 0) {
        errors.push(
          `'${name}' value ${pythonStr(value)} is too small (must be at least ${pythonStr(min)}).`,
        );
      }
      if (max !== undefined && pythonCompareNumbers(value, max) > 0) errors.push(tooLarge);
      return errors;
    }
    case 'multiselect': {
      if (!Array.isArray(value)) return [`'${name}' value is expected to be a list.`];
      const choices = choiceList(question);
      return value
        .filter((item) => !pythonContains(choices, item))
        .map(
          (item) =>
            `Value ${pythonStr(item)} for '${name}' expected to be one of ${pythonStr(choices)}.`,
        );
    }
    case 'multiplechoice': {
      const choices = choiceList(question);
      if (pythonContains(choices, value)) return [];
      return [
        `Value ${pythonStr(value)} for '${name}' expected to be one of ${pythonStr(choices)}.`,
      ];
    }
  }
  return errors;
}

export interface SortedVariables {
  /** Survey answers that passed, taken whatever `ask_variables_on_launch` says. */
  readonly accepted: Record<string, unknown>;
  /** Survey answers that failed. */
  readonly rejected: Record<string, unknown>;
  /** Variables no question asks for, left to the template's other rules. */
  readonly others: Record<string, unknown>;
  /** Every failed question's messages, in question order: `variables_needed_to_start`. */
  readonly errors: string[];
}

/** The survey's part of _accept_or_ignore_variables. */
export function sortSurveyAnswers(template: Surveyed, extraVars: Vars): SortedVariables {
  const others = pythonDict(extraVars);
  const accepted = pythonDict();
  const rejected = pythonDict();
  const errors: string[] = [];
  for (const question of activeQuestions(template)) {
    const name = question.variable;
    const problems = answerErrors(question, extraVars);
    errors.push(...problems);
    if (!Object.hasOwn(others, name)) continue;
    (problems.length > 0 ? rejected : accepted)[name] = others[name];
    delete others[name];
  }
  return { accepted, rejected, others, errors };
}

/**
 * _update_unified_job_kwargs: the template's variables, then each survey default that passes its
 * own question, then the launch's accepted variables, except a password answered `$encrypted$`,
 * which leaves the default in place. Values are plain: AWX stores password answers and defaults
 * encrypted, the simulator stores what the playbook receives (decrypted_extra_vars).
 */
export function jobVariables(
  template: Surveyed & { readonly extraVars: Vars },
  accepted: Vars,
): Record<string, unknown> {
  const launch = pythonDict(accepted);
  const defaults = pythonDict();
  for (const question of activeQuestions(template)) {
    const name = question.variable;
    const isPassword = question.type === 'password';
    if (isPassword && launch[name] === ENCRYPTED) delete launch[name];
    const stored = question.default;
    if (stored === undefined || stored === null) continue;
    const value =
      isPassword && typeof stored === 'string' && stored.startsWith(ENCRYPTED)
        ? decryptValue(stored)
        : stored;
    if (answerErrors(question, { [name]: value }).length === 0) defaults[name] = value;
  }
  return pythonDict(template.extraVars, defaults, launch);
}

/** display_extra_vars: the job's variables with its survey's password variables masked. */
export function displayExtraVars(extraVars: string, surveyPasswords: readonly string[]): string {
  if (surveyPasswords.length === 0) return extraVars;
  const shown = parseJsonText(extraVars) as Record<string, unknown>;
  for (const name of surveyPasswords) {
    if (Object.hasOwn(shown, name)) shown[name] = ENCRYPTED;
  }
  return pythonJsonDumps(shown);
}
