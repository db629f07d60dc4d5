import { describe, expect, it } from 'vitest';
import { failureTexts, isExplained } from './failure-texts.js';
import { outputScrub, scrubbedMarker } from './output-scrub.js';

const password = 'hunter2-db-password';
const scrub = outputScrub([password], false);
const job = (job_explanation: string, result_traceback?: string) => ({
  id: 42,
  job_explanation,
  ...(result_traceback === undefined ? {} : { result_traceback }),
});

describe('failureTexts', () => {
  it("shows AWX's explanation and the end of the output, scrubbed", () => {
    const read = `TASK [connect]\nfatal: login ${password} refused\n`;
    const texts = failureTexts(job(` refused: ${password}\n`), scrub, { bytes: 4096, read });
    expect(texts.details).toEqual([
      `refused: ${scrubbedMarker}`,
      `last output of AWX job 42:\nTASK [connect]\nfatal: login ${scrubbedMarker} refused`,
    ]);
    // An output that could not be read, or was not asked for, is not shown.
    expect(failureTexts(job('x'), scrub, { bytes: 4096 }).details).toEqual(['x']);
    expect(failureTexts(job('x'), scrub, { bytes: 0, read }).details).toEqual(['x']);
  });

  it('cuts the explanation to 1024 characters once scrubbed, so no part of a value is left', () => {
    const texts = failureTexts(job(`${'.'.repeat(1000)}${password}`), scrub);
    expect(texts.details).toEqual([`${'.'.repeat(1000)}${scrubbedMarker}`]);
    const long = failureTexts(job('x'.repeat(2000)), scrub);
    expect(long.details[0]).toHaveLength(1024);
  });

  describe('explains a job AWX gave no job_explanation with the exception its traceback ends with', () => {
    it('by its type and its message, scrubbed', () => {
      const traceback =
        'Traceback (most recent call last):\n  File "/awx/main/tasks/jobs.py", line 524, in run\n' +
        `    self.build_private_data_files(...)\nValueError: cannot decrypt '${password}'\n`;
      expect(failureTexts(job('', traceback), scrub).details).toEqual([
        `ValueError: cannot decrypt '${scrubbedMarker}'`,
      ]);
      // AWX's explanation, when there is one, is the explanation.
      const explained = job(' Job terminated due to error\n', traceback);
      expect(failureTexts(explained, scrub).details).toEqual(['Job terminated due to error']);
    });

    it('by the line naming it, not what follows it', () => {
      const traceback =
        'Traceback (most recent call last):\n  File "x.py", line 1, in run\n' +
        'awx.main.exceptions.PostRunError: the worker failed\nits last output:\n' +
        '{"event": "runner_on_failed", "stdout": "fatal: hunter2-db-pass';
      expect(failureTexts(job('', traceback), scrub).details).toEqual([
        'awx.main.exceptions.PostRunError: the worker failed',
      ]);
    });

    it('scrubbing the whole line, its type too', () => {
      const token = 'ghp_R8x2Kq9ZlmN3vB7wP0aT5yU1cD4eF6gH';
      const traceback =
        'Traceback (most recent call last):\n  File "x.py", line 1, in run\n' +
        `    print(token)\n${token}\n`;
      const texts = failureTexts(job('', traceback), outputScrub([token], false));
      expect(texts.details).toEqual([scrubbedMarker]);
    });

    it("and shows nothing of a traceback without one, or of a work unit's output", () => {
      // Output AWX keeps there, from wherever its read of the last 1000 bytes began.
      const output = 'Worker output:\n-db-password", "event": "verbose"}\n';
      expect(isExplained(job('', output))).toBe(false);
      expect(failureTexts(job('', output), scrub).details).toEqual([]);
      expect(failureTexts(job('', 'ZeroDivisionError\n'), scrub).details).toEqual([]);
      // A token the worker printed on a line of its own, after a traceback of AWX's or inside
      // the worker's own, looks like an exception's type.
      const token = 'ghp_R8x2Kq9ZlmN3vB7wP0aT5yU1cD4eF6gH';
      const frames =
        'Traceback (most recent call last):\n  File "x.py", line 1, in run\n    run()\n';
      for (const traceback of [
        `${frames}RuntimeError: worker failed\nWorker output:\n${token}\n`,
        `Worker output:\n${frames}${token}\n`,
        `Receptor detail:\n${frames}${token}\n`,
      ]) {
        expect(failureTexts(job('', traceback), scrub).details).toEqual([]);
      }
    });
  });

  it('says which texts are withheld and why, as the caller asked for them', () => {
    const withheld = { withheld: 'Secret db changed since its job was given it' };
    const why = 'withheld: Secret db changed since its job was given it';
    expect(failureTexts(job('boom'), withheld, { bytes: 4096 }).details).toEqual([
      `AWX's explanation and the job's output ${why}`,
    ]);
    expect(failureTexts(job('boom'), withheld, { bytes: 0 }).details).toEqual([
      `AWX's explanation ${why}`,
    ]);
    expect(failureTexts(job(''), withheld, { bytes: 4096 }).details).toEqual([
      `the job's output ${why}`,
    ]);
    expect(failureTexts(job(''), withheld).details).toEqual([]);
  });
});
