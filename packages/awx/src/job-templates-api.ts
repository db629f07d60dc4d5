import { z } from 'zod';
import { AwxLookupError, AwxWorkflowLaunchError } from './awx-errors.js';
import type {
  AwxRequestOptions,
  JobLauncher,
  JobTemplateReader,
  LaunchRequest,
} from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import { serializeExtraVars } from './extra-vars.js';
import {
  type Credential,
  CredentialSchema,
  type JobTemplate,
  JobTemplateSchema,
  type LaunchRequirements,
  LaunchRequirementsSchema,
  type LaunchResult,
  LaunchResultSchema,
  type SurveyQuestion,
  SurveySpecSchema,
  WorkflowLaunchSchema,
} from './schemas.js';

/** `job_templates/`: finding a template, its credentials, and launching it. */
export class JobTemplatesApi implements JobTemplateReader, JobLauncher {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  async findJobTemplate(name: string, options: AwxRequestOptions = {}): Promise<JobTemplate> {
    const templates = await this.#http.list('job_templates/', { name }, JobTemplateSchema, options);
    const [template] = templates;
    if (templates.length !== 1 || !template) {
      throw new AwxLookupError(
        'GET job_templates/',
        'job template',
        name,
        templates.map((t) => t.id),
      );
    }
    return template;
  }

  async templateCredentials(
    templateId: number,
    options: AwxRequestOptions = {},
  ): Promise<Credential[]> {
    const path = `job_templates/${templateId}/credentials/`;
    return this.#http.list(path, {}, CredentialSchema, options);
  }

  async surveyQuestions(
    templateId: number,
    options: AwxRequestOptions = {},
  ): Promise<SurveyQuestion[]> {
    const call = this.#http.get(`job_templates/${templateId}/survey_spec/`, {}, options);
    const { spec } = await this.#http.json(call, SurveySpecSchema);
    return spec;
  }

  async launchRequirements(
    templateId: number,
    options: AwxRequestOptions = {},
  ): Promise<LaunchRequirements> {
    const call = this.#http.get(`job_templates/${templateId}/launch/`, {}, options);
    return this.#http.json(call, LaunchRequirementsSchema);
  }

  /**
   * Repeated only when AWX cannot have acted on the failed attempt. A launch that made a
   * workflow job (the template slices) is an AwxWorkflowLaunchError.
   */
  async launch(
    templateId: number,
    launch: LaunchRequest,
    options: AwxRequestOptions = {},
  ): Promise<LaunchResult> {
    // serializeExtraVars writes int64 values digit for digit, which JSON.stringify cannot.
    const fields = [
      launch.credentials?.length ? `"credentials":${JSON.stringify(launch.credentials)}` : '',
      launch.timeout === undefined ? '' : `"timeout":${JSON.stringify(launch.timeout)}`,
      launch.jobSliceCount === undefined
        ? ''
        : `"job_slice_count":${JSON.stringify(launch.jobSliceCount)}`,
      `"extra_vars":${serializeExtraVars(launch.extraVars)}`,
    ];
    const body = `{${fields.filter(Boolean).join(',')}}`;
    const path = `job_templates/${templateId}/launch/`;
    const answer = await this.#http.json(
      this.#http.post(path, body, options),
      z.union([LaunchResultSchema, WorkflowLaunchSchema]),
    );
    if ('job' in answer) return answer;
    throw new AwxWorkflowLaunchError(`POST ${path}`, answer.workflow_job);
  }
}
