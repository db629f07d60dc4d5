import { describe, expect, it } from 'vitest';
import { AwxApiError, AwxPermissionError } from './awx-errors.js';
import { cancelRefusal, credentialRefusal, templateRefusal } from './awx-permissions.js';
import type { Job } from './schemas.js';

const detail = 'You do not have permission to perform this action.';
const refused = (endpoint: string) => new AwxApiError(endpoint, 403, detail, [], undefined);
const template = { id: 7, name: 'restart' };
const job = (jobTemplate: number | null): Job => ({
  id: 12,
  status: 'running',
  job_template: jobTemplate,
  created: '2026-01-01T00:00:00.000001Z',
  extra_vars: '{}',
  job_explanation: '',
  timeout: 0,
  elapsed: 0,
});

describe('templateRefusal', () => {
  it('names Execute on the template and the fix for a refused launch, still a 403', () => {
    const error = templateRefusal(refused('POST job_templates/7/launch/'), template, 'Execute');
    expect(error).toBeInstanceOf(AwxPermissionError);
    expect(error).toMatchObject({
      statusCode: 403,
      reason: 'AWXForbidden',
      retryable: false,
      right: 'Execute',
      object: 'job template "restart" (id 7)',
      message:
        'AWX POST job_templates/7/launch/ answered 403: the AWX user lacks Execute on job ' +
        'template "restart" (id 7); grant it Execute on the template, or use the token of a ' +
        'user who has it; or, if the token has Read scope, which AWX refuses every change to ' +
        'whoever its user is, use a token of Write scope',
    });
  });

  it('names Read for a refused read, and lets anything but a 403 through as it is', () => {
    const read = templateRefusal(refused('GET job_templates/7/launch/'), template, 'Read');
    expect((read as Error).message).toContain('lacks Read on job template "restart" (id 7)');
    // A token of Read scope may read: a refused read is never its scope.
    expect((read as Error).message).not.toContain('scope');
    const notFound = new AwxApiError('GET job_templates/7/launch/', 404, 'Not found.', [], 0);
    expect(templateRefusal(notFound, template, 'Read')).toBe(notFound);
    const other = new Error('socket hang up');
    expect(templateRefusal(other, template, 'Read')).toBe(other);
  });
});

describe("a 403 in AWX's own words", () => {
  it('keeps them instead of naming a right the user may well have', () => {
    const limit =
      'You have already reached the maximum number of 5 hosts allowed for your organization. ' +
      'Contact your System Administrator for assistance.';
    const refusal = new AwxApiError('POST job_templates/7/launch/', 403, limit, [], undefined);
    const error = templateRefusal(refusal, template, 'Execute');
    expect(error).not.toBeInstanceOf(AwxPermissionError);
    expect(error).toMatchObject({ statusCode: 403, reason: 'AWXForbidden' });
    expect((error as Error).message).toBe(
      `AWX POST job_templates/7/launch/ answered 403: ${limit}`,
    );
    const license = new AwxApiError('POST jobs/12/cancel/', 403, 'License is missing.', [], 0);
    expect((cancelRefusal(license, 12, job(7)) as Error).message).toContain('License is missing.');
    expect(credentialRefusal(license, 1)).toBe(license);
  });
});

describe('cancelRefusal', () => {
  it("names Admin on the job's template for another user's job", () => {
    const error = cancelRefusal(refused('POST jobs/12/cancel/'), 12, job(7));
    expect(error).toMatchObject({ statusCode: 403, right: 'Admin' });
    expect((error as Error).message).toContain(
      'lacks Admin on job template 7, to cancel job 12 another user launched; grant it Admin',
    );
    expect((error as Error).message).toContain('use a token of Write scope');
  });

  it('names Read when the job itself may not be read, and an orphan job its organization', () => {
    expect((cancelRefusal(refused('GET jobs/12/'), 12, undefined) as Error).message).toContain(
      "lacks Read on job 12; grant it Read on the job's template",
    );
    const orphan = cancelRefusal(refused('POST jobs/12/cancel/'), 12, job(null));
    expect(orphan).toMatchObject({ right: 'Job Template Admin' });
    expect((orphan as Error).message).toContain('use a token of Write scope');
  });
});

describe('credentialRefusal', () => {
  it('names Credential Admin on the configured organization and the option to change', () => {
    const error = credentialRefusal(refused('POST credentials/'), 4);
    expect(error).toMatchObject({ statusCode: 403, right: 'Credential Admin' });
    expect((error as Error).message).toContain(
      'lacks Credential Admin on organization 4 (ansible.organizationId)',
    );
    expect((error as Error).message).toContain('set ansible.organizationId');
    expect((error as Error).message).toContain('use a token of Write scope');
  });
});
