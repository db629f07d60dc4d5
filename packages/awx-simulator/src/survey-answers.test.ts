import { describe, expect, it } from 'vitest';
import { parseJsonText } from './python-json.js';
import { PythonTypeError } from './python-operators.js';
import {
  answerErrors,
  displayExtraVars,
  jobVariables,
  sortSurveyAnswers,
} from './survey-answers.js';
import { type SurveyQuestion, type SurveySpec, saveSurveySpec } from './survey-spec.js';

const q = (type: string, extra: Record<string, unknown> = {}): SurveyQuestion => ({
  type,
  question_name: 'Q',
  variable: 'v',
  required: false,
  ...extra,
});
const errors = (question: SurveyQuestion, json: string) =>
  answerErrors(question, parseJsonText(json) as Record<string, unknown>);

describe('answerErrors (_survey_element_validation)', () => {
  it('takes NaN for a float within bounds, as no comparison with it holds, but not an infinity', () => {
    const float = q('float', { min: 0, max: 10 });
    expect(errors(float, '{"v": NaN}')).toEqual([]);
    expect(errors(float, '{"v": Infinity}')).toEqual([
      "'v' value inf is too large (must be no more than 10).",
    ]);
    expect(errors(float, '{"v": -Infinity}')).toEqual([
      "'v' value -inf is too small (must be at least 0).",
    ]);
    expect(errors(q('integer'), '{"v": NaN}')).toEqual([
      "Value nan for 'v' expected to be an integer.",
    ]);
  });

  it('wants a required answer, except a password whose stored default stands in', () => {
    expect(errors(q('text', { required: true }), '{}')).toEqual(["'v' value missing"]);
    // A default fills the job's variables only after the answers are checked.
    expect(errors(q('text', { required: true, default: 'eu' }), '{}')).toEqual([
      "'v' value missing",
    ]);
    expect(errors(q('text'), '{}')).toEqual([]);
    const password = q('password', { required: true });
    expect(errors(password, '{"v": "$encrypted$"}')).toEqual(["'v' value missing"]);
    expect(errors({ ...password, default: '$encrypted$x' }, '{"v": "$encrypted$"}')).toEqual([]);
    expect(errors(q('password'), '{"v": "$encrypted$"}')).toEqual([]);
  });

  it('checks text length in code points', () => {
    const text = q('text', { min: 2, max: 4 });
    expect(errors(text, '{"v": "a"}')).toEqual([
      "'v' value a is too small (length is 1 must be at least 2).",
    ]);
    expect(errors(text, '{"v": "abcde"}')).toEqual([
      "'v' value abcde is too large (must be no more than 4).",
    ]);
    expect(errors(q('textarea', { max: 1 }), '{"v": "\\ud83d\\ude00"}')).toEqual([]);
    expect(errors(q('textarea', { min: null, max: '' }), '{"v": "abcdefgh"}')).toEqual([]);
    expect(errors(q('password', { min: true }), '{"v": ""}')).toEqual([
      "'v' value  is too small (length is 0 must be at least True).",
    ]);
    expect(errors(q('text'), '{"v": ["a", 1]}')).toEqual([
      "Value ['a', 1] for 'v' expected to be a string.",
    ]);
    expect(errors(q('text'), '{"v": null}')).toEqual([
      "Value None for 'v' expected to be a string.",
    ]);
  });

  it('takes an int, not a bool, for an integer, and int or float for a float', () => {
    const integer = q('integer', { min: 1, max: 10 });
    expect(errors(integer, '{"v": 0}')).toEqual(["'v' value 0 is too small (must be at least 1)."]);
    expect(errors(integer, '{"v": 11}')).toEqual([
      "'v' value 11 is too large (must be no more than 10).",
    ]);
    expect(errors(integer, '{"v": 5}')).toEqual([]);
    expect(errors(integer, '{"v": true}')).toEqual([
      "Value True for 'v' expected to be an integer.",
    ]);
    expect(errors(integer, '{"v": 1.5}')).toEqual(["Value 1.5 for 'v' expected to be an integer."]);
    expect(errors(q('integer', { max: 0 }), '{"v": 9223372036854775807}')).toEqual([
      "'v' value 9223372036854775807 is too large (must be no more than 0).",
    ]);
    const float = q('float', { min: 1, max: 2 });
    expect(errors(float, '{"v": 0.5}')).toEqual([
      "'v' value 0.5 is too small (must be at least 1).",
    ]);
    expect(errors(float, '{"v": 3}')).toEqual([
      "'v' value 3 is too large (must be no more than 2).",
    ]);
    expect(errors(float, '{"v": 1.0}')).toEqual([]);
    expect(errors(float, '{"v": false}')).toEqual([
      "Value False for 'v' expected to be a numeric type.",
    ]);
  });

  it('checks choices line by line, or by Python equality in a list', () => {
    const multiselect = q('multiselect', { choices: 'a\nb\n\n c' });
    expect(errors(multiselect, '{"v": ["a", "x", " c"]}')).toEqual([
      "Value x for 'v' expected to be one of ['a', 'b', ' c'].",
    ]);
    expect(errors(multiselect, '{"v": "a"}')).toEqual(["'v' value is expected to be a list."]);
    expect(errors(q('multiselect', { choices: ['a', 1] }), '{"v": [true, 1.0, "b"]}')).toEqual([
      "Value b for 'v' expected to be one of ['a', 1].",
    ]);
    const single = q('multiplechoice', { choices: 'a\nb' });
    expect(errors(single, '{"v": "b"}')).toEqual([]);
    expect(errors(single, '{"v": "ab"}')).toEqual([
      "Value ab for 'v' expected to be one of ['a', 'b'].",
    ]);
    expect(errors(single, '{"v": 5}')).toEqual([
      "Value 5 for 'v' expected to be one of ['a', 'b'].",
    ]);
    expect(errors(q('multiplechoice', { choices: ['a', 2] }), '{"v": 2.0}')).toEqual([]);
  });

  it('fails as AWX does on choices Python cannot search', () => {
    expect(() => errors(q('multiplechoice', { choices: null }), '{"v": "a"}')).toThrow(
      PythonTypeError,
    );
    expect(() => errors(q('multiselect', { choices: { a: 1 } }), '{"v": [["a"]]}')).toThrow(
      PythonTypeError,
    );
  });
});

const template = (
  questions: SurveyQuestion[],
  extra: { surveyEnabled?: boolean; extraVars?: Record<string, unknown> } = {},
) => {
  const outcome = saveSurveySpec({ name: 'n', description: 'd', spec: questions }, {});
  if (!outcome.ok) throw new Error(outcome.error);
  return {
    surveyEnabled: extra.surveyEnabled ?? true,
    surveySpec: outcome.spec as SurveySpec,
    extraVars: extra.extraVars ?? {},
  };
};

describe('sortSurveyAnswers', () => {
  const survey = template([
    q('integer', { variable: 'n', required: true, max: 3 }),
    q('text', { variable: 't' }),
  ]);

  it('takes valid answers, rejects invalid ones, and leaves other variables', () => {
    expect(sortSurveyAnswers(survey, { t: 'x', n: 2, other: 1 })).toEqual({
      accepted: { n: 2, t: 'x' },
      rejected: {},
      others: { other: 1 },
      errors: [],
    });
    expect(sortSurveyAnswers(survey, { n: 9, other: 1 })).toEqual({
      accepted: {},
      rejected: { n: 9 },
      others: { other: 1 },
      errors: ["'n' value 9 is too large (must be no more than 3)."],
    });
    expect(sortSurveyAnswers(survey, {}).errors).toEqual(["'n' value missing"]);
  });

  it('asks nothing while the survey is disabled', () => {
    const disabled = { ...survey, surveyEnabled: false };
    expect(sortSurveyAnswers(disabled, { n: 9 })).toEqual({
      accepted: {},
      rejected: {},
      others: { n: 9 },
      errors: [],
    });
  });
});

describe('jobVariables (_update_unified_job_kwargs)', () => {
  it('layers template variables, valid survey defaults, then the launch', () => {
    const survey = template(
      [
        q('text', { variable: 'a', default: 'from-survey' }),
        q('integer', { variable: 'b', default: 7, max: 5 }),
        q('text', { variable: 'c', default: 'default-c' }),
        q('multiselect', { variable: 'm', choices: 'x\ny', default: 'x' }),
      ],
      { extraVars: { a: 'from-template', z: 1 } },
    );
    // `b`'s default breaks its own maximum and a multiselect default is text, not a list: AWX
    // leaves both out.
    expect(jobVariables(survey, { c: 'launch' })).toEqual({ a: 'from-survey', z: 1, c: 'launch' });
    expect(Object.keys(jobVariables(survey, { c: 'launch' }))).toEqual(['a', 'z', 'c']);
  });

  it('keeps a password default in clear for `$encrypted$`, and only then', () => {
    const survey = template([q('password', { variable: 'p', default: 's3cret' })]);
    expect(jobVariables(survey, { p: '$encrypted$' })).toEqual({ p: 's3cret' });
    expect(jobVariables(survey, { p: 'typed' })).toEqual({ p: 'typed' });
    expect(jobVariables({ ...survey, surveyEnabled: false }, {})).toEqual({});
  });
});

describe('displayExtraVars', () => {
  it("masks the survey's password variables that the job has, keeping Python's spelling", () => {
    expect(displayExtraVars('{"p": "s3cret", "n": 1.0}', ['p', 'q'])).toBe(
      '{"p": "$encrypted$", "n": 1.0}',
    );
    expect(displayExtraVars('{"p": "s3cret"}', [])).toBe('{"p": "s3cret"}');
  });
});
