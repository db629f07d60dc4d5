/**
 * The rights the token's AWX user needs for the calls the engine makes, as AWX's access.py
 * checks them, and the AwxPermissionError a 403 to one becomes: which right, on what, and how
 * to grant it, never the token. Anything other than a bare 403 passes through unchanged.
 */
import type { FieldIssue } from '@roundhouse/core';
import { AwxApiError, AwxPermissionError } from './awx-errors.js';
import type { Job, JobTemplate } from './schemas.js';

/** DRF's PermissionDenied.default_detail: all AWX says when an access check returns False. */
const bareDenial = 'You do not have permission to perform this action.';

/**
 * A 403 that says only that a right is missing. AWX also answers 403 with its own words, which
 * are kept: the license is missing or expired, or an organization is at its host limit
 * (BaseAccess.check_license, which refuses launches even to a System Administrator).
 */
function isBareDenial(error: unknown): error is AwxApiError {
  return (
    error instanceof AwxApiError &&
    error.statusCode === 403 &&
    (error.detail === undefined || error.detail === bareDenial)
  );
}

const elseToken = 'or use the token of a user who has it';

/**
 * AWX refuses a token of Read scope every change (APIView.check_permissions: any method but
 * GET, HEAD and OPTIONS), a System Administrator's too, with the same bare 403 as a missing
 * right, and nothing the API shows tells the two apart: a refused change names both.
 */
const readScopeHint =
  'or, if the token has Read scope, which AWX refuses every change to whoever its user is, ' +
  'use a token of Write scope';

/**
 * A job template's views need Read (its detail, `credentials/`, `survey_spec/`, `GET launch/`);
 * `POST launch/` needs Execute (JobTemplateAccess.can_start), which includes Read.
 */
export function templateRefusal(
  error: unknown,
  template: Pick<JobTemplate, 'id' | 'name'>,
  right: 'Read' | 'Execute',
): unknown {
  if (!isBareDenial(error)) return error;
  const fix =
    right === 'Read'
      ? `grant it Read (or Execute) on the template, ${elseToken}`
      : `grant it Execute on the template, ${elseToken}; ${readScopeHint}`;
  return new AwxPermissionError(
    error,
    right,
    `job template "${template.name}" (id ${template.id})`,
    fix,
  );
}

/**
 * A template AWX says the token may not start (`user_capabilities.start` false), refused before
 * the launch: AWX computes it with the JobTemplateAccess.can_start that `POST launch/` refuses
 * with 403, after turning down a token of Read scope (awx/main/access.py:428-445), so a launch
 * would be refused only after the execution's Secrets had gone to AWX as credentials. A template
 * without a project or inventory is also refused so, for which the caller names those instead.
 */
export function startIssues(
  template: Pick<JobTemplate, 'id' | 'name' | 'summary_fields'>,
): FieldIssue[] {
  if (template.summary_fields?.user_capabilities?.start !== false) return [];
  return [
    {
      path: 'awx.token',
      message:
        `the AWX user of awx.token may not launch job template "${template.name}" (id ` +
        `${template.id}): AWX says so (summary_fields.user_capabilities.start is false) and ` +
        `refuses the launch (403): grant it Execute on the template, ${elseToken}; ${readScopeHint}`,
    },
  ];
}

/**
 * JobAccess.can_cancel lets a user cancel its own jobs, and another user's only as Admin of the
 * job's template (or, for a job whose template is gone, as Job Template Admin of its
 * organization); reading the job needs Read on its template.
 */
export function cancelRefusal(error: unknown, jobId: number, job: Job | undefined): unknown {
  if (!isBareDenial(error)) return error;
  if (job === undefined) {
    return new AwxPermissionError(
      error,
      'Read',
      `job ${jobId}`,
      `grant it Read on the job's template, ${elseToken}`,
    );
  }
  if (job.job_template === null) {
    return new AwxPermissionError(
      error,
      'Job Template Admin',
      `the organization of job ${jobId}, whose template is gone, to cancel a job another user launched`,
      `grant it Job Template Admin on that organization, or cancel it as the user who launched it; ${readScopeHint}`,
    );
  }
  return new AwxPermissionError(
    error,
    'Admin',
    `job template ${job.job_template}, to cancel job ${jobId} another user launched`,
    `grant it Admin on the template, or cancel the job as the user who launched it; ${readScopeHint}`,
  );
}

/**
 * CredentialAccess.can_add: a credential's organization must be one where the user is Admin or
 * Credential Admin.
 */
export function credentialRefusal(error: unknown, organizationId: number): unknown {
  if (!isBareDenial(error)) return error;
  return new AwxPermissionError(
    error,
    'Credential Admin',
    `organization ${organizationId} (ansible.organizationId), where the ephemeral credentials are created`,
    `grant it Credential Admin (or Admin) on that organization, ${elseToken}, or set ` +
      `ansible.organizationId to an organization where it has it; ${readScopeHint}`,
  );
}
