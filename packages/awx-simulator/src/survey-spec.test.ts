import { describe, expect, it } from 'vitest';
import { parseJsonText } from './python-json.js';
import { AwxServerError } from './replies.js';
import {
  decryptValue,
  displaySurveySpec,
  encryptValue,
  nonBlankLines,
  passwordVariables,
  type SurveySpec,
  saveSurveySpec,
  surveyApplies,
  variablesNeededToStart,
} from './survey-spec.js';

const question = (extra: Record<string, unknown> = {}) => ({
  type: 'text',
  question_name: 'Q',
  variable: 'v',
  required: true,
  ...extra,
});
const spec = (...questions: unknown[]) => ({ name: 'n', description: 'd', spec: questions });
const errorOf = (body: unknown, old: SurveySpec = {}) => {
  const outcome = saveSurveySpec(body, old);
  return outcome.ok ? undefined : outcome.error;
};
const saved = (body: unknown, old: SurveySpec = {}) => {
  const outcome = saveSurveySpec(body, old);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.spec;
};

describe('saveSurveySpec: the spec as a whole', () => {
  it.each([
    [{}, "Field 'spec' is missing from survey spec."],
    [{ name: 'n', spec: [] }, "'spec' doesn't contain any items."],
    [
      { name: 1, description: 'd', spec: [question()] },
      "Expected string for field 'name', received int type.",
    ],
    [
      { name: 'n', description: null, spec: [question()] },
      "Expected string for field 'description', received NoneType type.",
    ],
    [
      { name: 'n', description: 'd', spec: 'x' },
      "Expected list of items for field 'spec', received str type.",
    ],
    [{ name: 'n', spec: [question()] }, "Field 'description' is missing from survey spec."],
  ])('reports the last top-level problem: %j', (body, error) => {
    expect(errorOf(body)).toBe(error);
  });

  it('cannot read a body that is not an object, where AWX fails with a 500', () => {
    for (const body of [[], 'name description spec', null]) {
      expect(() => saveSurveySpec(body, {})).toThrow(AwxServerError);
    }
  });
});

describe('saveSurveySpec: each question', () => {
  it.each([
    [5, 'Survey question 0 is not a json object.'],
    [{ type: 'text' }, "'question_name' missing from survey question 0"],
    [
      { question_name: 'q', variable: 'v', required: true },
      "'type' missing from survey question 0",
    ],
    [question({ required: 'yes' }), "'required' in survey question 0 expected to be boolean."],
    [question({ type: 1 }), "'type' in survey question 0 expected to be string."],
    [
      question({ type: 'date' }),
      "'date' in survey question 0 is not one of 'text, textarea, password, multiplechoice, multiselect, integer, float' allowed question types.",
    ],
    [
      question({ type: 'constructor' }),
      "'constructor' in survey question 0 is not one of 'text, textarea, password, multiplechoice, multiselect, integer, float' allowed question types.",
    ],
    [question({ default: 5 }), 'Default value 5 in survey question 0 expected to be string.'],
    [question({ default: null }), 'Default value None in survey question 0 expected to be string.'],
    [
      question({ default: { a: 1 } }),
      "Default value {'a': 1} in survey question 0 expected to be string.",
    ],
    [
      question({ type: 'integer', default: 1.5 }),
      'Default value 1.5 in survey question 0 expected to be integer.',
    ],
    [
      question({ type: 'float', default: 'x' }),
      'Default value x in survey question 0 expected to be float.',
    ],
    [
      question({ type: 'multiselect', choices: ['a'], default: ['a'] }),
      "Default value ['a'] in survey question 0 expected to be string.",
    ],
    [question({ min: 1.5 }), 'The min limit in survey question 0 expected to be integer.'],
    [question({ max: '3' }), 'The max limit in survey question 0 expected to be integer.'],
    [
      question({ type: 'multiselect' }),
      'Survey question 0 of type multiselect must specify choices.',
    ],
    [
      question({ type: 'multiplechoice', choices: 'a\nb', default: 'a\nb' }),
      'Multiple Choice (Single Select) can only have one default value.',
    ],
    [
      question({ type: 'multiplechoice', choices: ['a'], default: 'x' }),
      'Default choice must be answered from the choices listed.',
    ],
    [
      question({ default: '$encrypted$' }),
      '$encrypted$ is a reserved keyword for password question defaults, survey question 0 is type text.',
    ],
    [
      question({ type: 'password', default: '$encrypted$' }),
      '$encrypted$ is a reserved keyword, may not be used for new default in position 0.',
    ],
  ])('refuses %j', (item, error) => {
    expect(errorOf(spec(item))).toBe(error);
  });

  it('numbers the question and refuses a variable asked twice', () => {
    expect(
      errorOf(spec(question(), question({ variable: 'w' }), question({ variable: 'v' }))),
    ).toBe("'variable' 'v' duplicated in survey question 2.");
  });

  it('takes what Python takes: bools as integers, blank defaults, null limits', () => {
    expect(errorOf(spec(question({ type: 'integer', default: true, min: null, max: true })))).toBe(
      undefined,
    );
    expect(errorOf(spec(question({ type: 'integer', default: '' })))).toBe(undefined);
    expect(errorOf(spec(question({ type: 'float', default: 2 })))).toBe(undefined);
    // `in` on text is a substring test.
    expect(errorOf(spec(question({ type: 'multiplechoice', choices: 'ab', default: 'b' })))).toBe(
      undefined,
    );
  });

  it('cannot test a default against choices that are not a collection, where AWX fails', () => {
    const item = question({ type: 'multiplechoice', choices: 7, default: 'x' });
    expect(() => saveSurveySpec(spec(item), {})).toThrow(AwxServerError);
    expect(errorOf(spec(question({ type: 'multiplechoice', choices: 7 })))).toBe(undefined);
  });

  it('stores choices and defaults one per line, other keys as given', () => {
    const stored = saved({
      ...spec(
        question({ type: 'multiselect', choices: '\na\n \nb\r\nc', default: 'a\n\nc\n' }),
        question({ variable: 'f', type: 'float', min: 0, question_description: 'why' }),
      ),
      extra: [1],
    });
    expect(stored).toEqual({
      ...spec(
        question({ type: 'multiselect', choices: 'a\nb\nc', default: 'a\nc' }),
        question({ variable: 'f', type: 'float', min: 0, question_description: 'why' }),
      ),
      extra: [1],
    });
  });

  it('encrypts a password default, keeps a stored one for `$encrypted$`, and never reveals it', () => {
    const first = saved(spec(question({ type: 'password', default: 's3cret' })));
    const stored = (first.spec as { default: string }[])[0]?.default as string;
    expect(stored).toMatch(/^\$encrypted\$UTF8\$AESCBC\$/);
    expect(decryptValue(stored)).toBe('s3cret');
    const again = saved(spec(question({ type: 'password', default: '$encrypted$' })), first);
    expect(again).toEqual(first);
    expect(displaySurveySpec(again)).toEqual(
      spec(question({ type: 'password', default: '$encrypted$' })),
    );
    // A blank stored default may be kept too; plain text or another variable's may not.
    const blank = saved(spec(question({ type: 'password', default: '' })));
    expect(errorOf(spec(question({ type: 'password', default: '$encrypted$' })), blank)).toBe(
      undefined,
    );
    const other = spec(question({ type: 'password', variable: 'other', default: stored }));
    expect(errorOf(spec(question({ type: 'password', default: '$encrypted$' })), other)).toBe(
      '$encrypted$ is a reserved keyword, may not be used for new default in position 0.',
    );
  });

  it('does not mask an empty password default or other types', () => {
    const stored = saved(
      spec(question({ type: 'password', default: '' }), question({ variable: 'w', default: 'x' })),
    );
    expect(displaySurveySpec(stored)).toEqual(stored);
    expect(displaySurveySpec({})).toEqual({});
  });

  it('keeps integers exact', () => {
    const body = parseJsonText(
      '{"name":"n","description":"d","spec":[{"type":"integer","question_name":"q","variable":"v","required":false,"max":9223372036854775807}]}',
    );
    expect(JSON.stringify(saved(body))).toContain('"max":9223372036854775807');
  });
});

describe('what a template survey needs', () => {
  const stored = saved(
    spec(
      question({ variable: 'a' }),
      question({ variable: 'b', required: false }),
      question({ variable: 'p', type: 'password' }),
    ),
  );

  it('lists required and password variables only while the survey is enabled', () => {
    const enabled = { surveyEnabled: true, surveySpec: stored };
    expect(surveyApplies(enabled)).toBe(true);
    expect(variablesNeededToStart(enabled)).toEqual(['a', 'p']);
    expect(passwordVariables(enabled)).toEqual(['p']);
    const disabled = { surveyEnabled: false, surveySpec: stored };
    expect(surveyApplies(disabled)).toBe(false);
    expect(variablesNeededToStart(disabled)).toEqual([]);
    expect(passwordVariables(disabled)).toEqual([]);
    expect(surveyApplies({ surveyEnabled: true, surveySpec: {} })).toBe(false);
  });
});

describe('helpers', () => {
  it('splits lines where Python does and drops blank ones', () => {
    expect(nonBlankLines('a\r\nb\x85c\u2028d\v \x1f\ne')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(nonBlankLines('')).toEqual([]);
  });

  it('leaves empty and already encrypted text alone', () => {
    expect(encryptValue('')).toBe('');
    expect(encryptValue('$encrypted$abc')).toBe('$encrypted$abc');
    expect(decryptValue(encryptValue('é ü'))).toBe('é ü');
  });
});
