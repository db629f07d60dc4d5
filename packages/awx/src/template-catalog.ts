import { ConfigurationError } from '@roundhouse/core';
import { AwxLookupError } from './awx-errors.js';
import { templateRefusal } from './awx-permissions.js';
import type { JobTemplateReader } from './awx-roles.js';
import { jobTemplateNamePath } from './engine-config.js';
import type { Credential, JobTemplate, LaunchRequirements } from './schemas.js';
import { type Survey, surveyOf } from './survey-answers.js';
import { TtlCache } from './ttl-cache.js';

export interface Cached<T> {
  readonly value: T;
  /** Read from the cache, so possibly up to the TTL old: a refusal it causes is worth a retry. */
  readonly cached: boolean;
}

/**
 * Job templates by name, their enabled surveys and what a launch of them needs, read once per
 * TTL rather than on every launch. AWX checks every launch against the template as it is then
 * (prompts, survey answers), so a stale entry can make a launch fail; the launch then forgets
 * it and tries once more with what AWX says now. The one way it can run differently: a value
 * typed for a survey question removed within the TTL goes as that question took it (`"3"` for a
 * text question) rather than coerced as kubernaut does. The template's credentials are never
 * cached: see `credentials`.
 */
export class TemplateCatalog {
  readonly #awx: JobTemplateReader;
  readonly #templates: TtlCache<JobTemplate>;
  readonly #surveys: TtlCache<Survey>;
  readonly #requirements: TtlCache<LaunchRequirements>;

  constructor(awx: JobTemplateReader, ttlMs: number, now: () => number) {
    this.#awx = awx;
    this.#templates = new TtlCache(ttlMs, now);
    this.#surveys = new TtlCache(ttlMs, now);
    this.#requirements = new TtlCache(ttlMs, now);
  }

  /**
   * The template the engine config names; none or several of that name is a ConfigurationError.
   * AWX lists only the templates the user may read, so one it may not read is one it cannot find.
   */
  async template(name: string, signal: AbortSignal | undefined): Promise<Cached<JobTemplate>> {
    try {
      return await this.#templates.get(name, () => this.#awx.findJobTemplate(name, { signal }));
    } catch (error) {
      if (!(error instanceof AwxLookupError)) throw error;
      const message =
        error.matches.length > 0
          ? error.message
          : `no AWX job template named "${name}" is visible to the AWX user: fix the name, or ` +
            'grant the user Read (or Execute) on the template; AWX lists only what a user may read';
      throw new ConfigurationError({ path: jobTemplateNamePath, message }, { cause: error });
    }
  }

  /**
   * The template's own credentials, which a launch with credentials must repeat; read on every
   * call. AWX takes a sent credential that is no longer the template's as a prompted one, which
   * replaces the template's credential of its type (`_accept_or_ignore_job_kwargs`,
   * `create_unified_job`) with neither a 400 nor an ignored field: a remembered one an admin
   * removed from the template would silently go back onto the job.
   */
  async credentials(
    template: Pick<JobTemplate, 'id' | 'name'>,
    signal: AbortSignal | undefined,
  ): Promise<Credential[]> {
    return readable(template, this.#awx.templateCredentials(template.id, { signal }));
  }

  /**
   * The questions of the template's survey when it is enabled: AWX then checks every launch's
   * answers against them, whatever the template prompts for, and takes the variables they ask
   * for when it does not prompt for Variables. Undefined when it is off, and nothing is read.
   */
  async survey(
    template: JobTemplate,
    signal: AbortSignal | undefined,
  ): Promise<Cached<Survey> | undefined> {
    if (!template.survey_enabled) return undefined;
    return this.#surveys.get(String(template.id), async () =>
      surveyOf(await readable(template, this.#awx.surveyQuestions(template.id, { signal }))),
    );
  }

  /**
   * What AWX refuses a launch of the template without (`GET launch/`): the passwords its
   * credentials ask for at launch, which an execution has no way to give, and the variables its
   * survey requires.
   */
  async launchRequirements(
    template: Pick<JobTemplate, 'id' | 'name'>,
    signal: AbortSignal | undefined,
  ): Promise<Cached<LaunchRequirements>> {
    return this.#requirements.get(String(template.id), () =>
      readable(template, this.#awx.launchRequirements(template.id, { signal })),
    );
  }

  /** Drops what is known of the template: AWX refused a launch that used it. */
  forget(template: Pick<JobTemplate, 'id' | 'name'>): void {
    this.#templates.forget(template.name);
    this.#surveys.forget(String(template.id));
    this.#requirements.forget(String(template.id));
  }
}

/** A read of the template's views, whose 403 says the user lacks Read on it. */
async function readable<T>(
  template: Pick<JobTemplate, 'id' | 'name'>,
  read: Promise<T>,
): Promise<T> {
  try {
    return await read;
  } catch (error) {
    throw templateRefusal(error, template, 'Read');
  }
}
