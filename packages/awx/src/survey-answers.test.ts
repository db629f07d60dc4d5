import { describe, expect, it } from 'vitest';
import type { SurveyQuestion } from './schemas.js';
import { answerQuestion, surveyOf } from './survey-answers.js';

const question = (type: string, extra: Partial<SurveyQuestion> = {}): SurveyQuestion => ({
  variable: 'V',
  type,
  ...extra,
});

describe('answerQuestion', () => {
  it('sends text, textarea and password answers as the string they are, whatever they look like', () => {
    for (const type of ['text', 'textarea', 'password']) {
      for (const text of ['8080', 'true', '1.10', '[1,2]', 'Infinity', '']) {
        expect(answerQuestion(question(type), text)).toEqual({ value: text });
      }
    }
  });

  it("checks a text answer's length in code points, as Python's len counts, against min and max", () => {
    const bounded = question('text', { min: 2, max: 3 });
    expect(answerQuestion(bounded, '😀😀😀')).toEqual({ value: '😀😀😀' });
    expect(answerQuestion(bounded, 'a')).toEqual({ problem: 'must be at least 2 characters long' });
    expect(answerQuestion(bounded, 'abcd')).toEqual({
      problem: 'must be at most 3 characters long',
    });
    // AWX would drop it and use the question's default (_update_unified_job_kwargs).
    expect(answerQuestion(question('password'), '$encrypted$')).toEqual({
      problem: 'must not be $encrypted$, which AWX takes as "keep the default"',
    });
    expect(answerQuestion(question('text'), '$encrypted$')).toEqual({ value: '$encrypted$' });
    // Unset, empty and null limits do not apply, as in AWX.
    expect(answerQuestion(question('password', { min: '', max: null }), '')).toEqual({ value: '' });
    expect(answerQuestion(question('textarea', { max: '3' }), 'abcd')).toEqual({
      problem: 'must be at most 3 characters long',
    });
  });

  it('sends a multiple choice answer as its string, one of the choices', () => {
    const lines = question('multiplechoice', { choices: '1.10\ntrue\n\n8080' });
    expect(answerQuestion(lines, '1.10')).toEqual({ value: '1.10' });
    expect(answerQuestion(lines, '8080')).toEqual({ value: '8080' });
    expect(answerQuestion(lines, '1.1')).toEqual({
      problem: 'must be one of "1.10", "true", "8080"',
    });
    const list = question('multiplechoice', { choices: ['a', 'b', 3] });
    expect(answerQuestion(list, 'b')).toEqual({ value: 'b' });
    expect(answerQuestion(list, '3')).toEqual({ problem: 'must be one of "a", "b"' });
    const many = question('multiplechoice', {
      choices: Array.from({ length: 12 }, (_, i) => `c${i}`),
    });
    expect(answerQuestion(many, 'x')).toEqual({
      problem: expect.stringMatching(/"c9" and 2 more$/),
    });
  });

  it('sends a multiselect answer as the list AWX expects: a JSON array of strings, else one choice a line', () => {
    const q = question('multiselect', { choices: 'red\ngreen\nblue' });
    expect(answerQuestion(q, '["red","blue"]')).toEqual({ value: ['red', 'blue'] });
    expect(answerQuestion(q, 'green\r\nred\n')).toEqual({ value: ['green', 'red'] });
    expect(answerQuestion(q, 'blue')).toEqual({ value: ['blue'] });
    expect(answerQuestion(q, '')).toEqual({ value: [] });
    expect(answerQuestion(q, 'red,blue')).toEqual({
      problem:
        'must list choices, one a line or as a JSON array of strings, each one of "red", "green", "blue"',
    });
    // An object's keys are its choices, as Python's `in` reads a dict.
    expect(answerQuestion(question('multiselect', { choices: { x: 1 } }), 'x')).toEqual({
      value: ['x'],
    });
  });

  it('sends integer answers as numbers, int64 and beyond digit for digit, within min and max', () => {
    const q = question('integer', { min: -5, max: 10_000 });
    expect(answerQuestion(q, '8080')).toEqual({ value: 8080 });
    expect(answerQuestion(q, '-5')).toEqual({ value: -5 });
    expect(answerQuestion(question('integer'), '+007')).toEqual({ value: 7 });
    expect(answerQuestion(question('integer'), '123456789012345678901')).toEqual({
      value: 123456789012345678901n,
    });
    expect(answerQuestion(q, '-6')).toEqual({ problem: 'must be at least -5' });
    expect(answerQuestion(q, '10001')).toEqual({ problem: 'must be at most 10000' });
    for (const text of ['1.0', '1e3', 'true', '', ' 3', 'three']) {
      expect(answerQuestion(q, text)).toEqual({
        problem: 'must be an integer (decimal digits, optionally signed)',
      });
    }
  });

  it('sends float answers as finite numbers within min and max', () => {
    const q = question('float', { min: 0, max: 2 });
    expect(answerQuestion(q, '1.10')).toEqual({ value: 1.1 });
    expect(answerQuestion(q, '.5')).toEqual({ value: 0.5 });
    expect(answerQuestion(q, '2')).toEqual({ value: 2 });
    expect(answerQuestion(question('float'), '1e3')).toEqual({ value: 1000 });
    expect(answerQuestion(q, '2.5')).toEqual({ problem: 'must be at most 2' });
    expect(answerQuestion(q, '-0.1')).toEqual({ problem: 'must be at least 0' });
    for (const text of ['Infinity', 'NaN', '1e999', '0x10', 'one', '']) {
      expect(answerQuestion(q, text)).toEqual({
        problem: 'must be a finite decimal number (e.g. 1.5 or 2)',
      });
    }
  });

  it('leaves a question type AWX does not check to the caller', () => {
    expect(answerQuestion(question('color'), '8080')).toBeUndefined();
  });
});

describe('surveyOf', () => {
  it('keys the questions by variable', () => {
    const survey = surveyOf([question('text'), { variable: 'N', type: 'integer' }]);
    expect([...survey.keys()]).toEqual(['V', 'N']);
    expect(survey.get('N')?.type).toBe('integer');
  });
});
