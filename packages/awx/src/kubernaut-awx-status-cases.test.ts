import { describe, expect, it } from 'vitest';
import { buildExtraVars } from './extra-vars.js';
import { failureTexts } from './failure-texts.js';
import { outputScrub } from './output-scrub.js';
import type { JobStatus } from './schemas.js';
import { awxJobResult } from './status.js';

/*
 * kubernaut's MapAWXStatusToResult and BuildExtraVars cases (pkg/workflowexecution/
 * ansible_executor_test.go at d5a4a87; 05af3c6 put the phase name in summary.status).
 */

const job = (status: JobStatus) => ({ id: 42, status, job_explanation: '' });

describe("kubernaut's AWX status and extra_vars cases", () => {
  it('UT-WE-015-002: maps the seven AWX states to the phase and summary status kubernaut gives them', () => {
    const cases: [JobStatus, string, string][] = [
      ['pending', 'Pending', 'Unknown'],
      ['waiting', 'Pending', 'Unknown'],
      ['running', 'Running', 'Unknown'],
      ['successful', 'Completed', 'True'],
      ['failed', 'Failed', 'False'],
      ['error', 'Failed', 'False'],
      ['canceled', 'Failed', 'False'],
    ];
    for (const [status, phase, summary] of cases) {
      expect(awxJobResult(job(status)), status).toMatchObject({
        phase,
        summary: { status: summary },
      });
    }
  });

  it("UT-WE-015-002b: a failed job's message carries the end of its output", () => {
    const failed = job('failed');
    const read = 'TASK [restart] fatal: connection refused\n';
    const texts = failureTexts(failed, outputScrub([], false), { bytes: 4096, read });
    const result = awxJobResult(failed, texts);
    expect(result).toMatchObject({ phase: 'Failed', summary: { status: 'False' } });
    expect(result.message).toContain('connection refused');
  });

  it('reads a status it does not know as Pending, naming it', () => {
    const result = awxJobResult(job('unknown-state'));
    expect(result).toMatchObject({ phase: 'Pending', reason: 'AWXJobUnknown' });
    expect(result.message).toContain('unknown-state');
  });

  it('UT-WE-015-003: types each parameter as kubernaut does: integer, boolean, float, string, JSON array', () => {
    expect(
      buildExtraVars({
        REPLICAS: '3',
        ENABLED: 'true',
        THRESHOLD: '0.75',
        NAME: 'hello',
        LIST: '[1,2,3]',
      }),
    ).toEqual({ REPLICAS: 3, ENABLED: true, THRESHOLD: 0.75, NAME: 'hello', LIST: [1, 2, 3] });
    // kubernaut's nil for no parameters is sent as {} by its caller.
    expect(buildExtraVars(undefined)).toEqual({});
  });
});
