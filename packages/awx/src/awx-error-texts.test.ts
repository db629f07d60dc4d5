/**
 * What an AWX error answer's messages look like in the error: AWX quotes what it was sent (a
 * survey answer in `_survey_element_validation`'s "Value ... for ... expected to be ..."), so
 * the author's text, line breaks and escape sequences included, comes back in them.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxApiError } from './awx-errors.js';
import { awxBase, onceTransport, useNock } from './awx-nock.test-support.js';
import { LaunchResultSchema } from './schemas.js';

useNock();

async function launchError(body: Record<string, unknown>) {
  nock(awxBase).post('/api/v2/job_templates/3/launch/').reply(400, body);
  const http = onceTransport();
  const call = http.post('job_templates/3/launch/', '{"extra_vars":{}}', {});
  const error = await http.json(call, LaunchResultSchema).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AwxApiError);
  return error as AwxApiError;
}

describe("an AWX error answer's messages", () => {
  it('are shown on one line, what hides in them escaped', async () => {
    const answer = 'ok\n2026-01-01 INFO forged line\u001b[2J\u202e';
    const error = await launchError({
      variables_needed_to_start: [`Value '${answer}' for 'q' expected to be a string.`],
      detail: 'bad\r\nrequest',
    });
    expect(error.message).toBe(
      'AWX POST job_templates/3/launch/ answered 400: bad\\r\\nrequest; ' +
        "variables_needed_to_start: Value 'ok\\n2026-01-01 INFO forged line\\x1b[2J\\u202e' " +
        "for 'q' expected to be a string.",
    );
  });

  it('are cut to 1024 characters each', async () => {
    const error = await launchError({ extra_vars: [`Value '${'y'.repeat(50_000)}' is bad`] });
    expect(error.fields).toEqual([{ path: 'extra_vars', message: `Value '${'y'.repeat(1017)}…` }]);
  });
});
