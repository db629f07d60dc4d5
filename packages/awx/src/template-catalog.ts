import { ConfigurationError } from '@roundhouse/core';
import { AwxLookupError } from './awx-errors.js';
import type { JobTemplateReader } from './awx-roles.js';
import { jobTemplateNamePath } from './engine-config.js';
import type { Credential, JobTemplate } from './schemas.js';
import { TtlCache } from './ttl-cache.js';

export interface Cached<T> {
  readonly value: T;
  /** Read from the cache, so possibly up to the TTL old: a refusal it causes is worth a retry. */
  readonly cached: boolean;
}

/**
 * Job templates by name and their own credentials, read once per TTL rather than on every
 * launch. AWX checks every launch against the template as it is then (prompts, credentials), so
 * a stale entry can only make a launch fail, never run differently; the launch then forgets it
 * and tries once more with what AWX says now.
 */
export class TemplateCatalog {
  readonly #awx: JobTemplateReader;
  readonly #templates: TtlCache<JobTemplate>;
  readonly #credentials: TtlCache<Credential[]>;
  readonly #surveys: TtlCache<ReadonlySet<string>>;

  constructor(awx: JobTemplateReader, ttlMs: number, now: () => number) {
    this.#awx = awx;
    this.#templates = new TtlCache(ttlMs, now);
    this.#credentials = new TtlCache(ttlMs, now);
    this.#surveys = new TtlCache(ttlMs, now);
  }

  /** The template the engine config names; none or several of that name is a ConfigurationError. */
  async template(name: string, signal: AbortSignal | undefined): Promise<Cached<JobTemplate>> {
    try {
      return await this.#templates.get(name, () => this.#awx.findJobTemplate(name, { signal }));
    } catch (error) {
      if (error instanceof AwxLookupError) {
        throw new ConfigurationError({ path: jobTemplateNamePath, message: error.message });
      }
      throw error;
    }
  }

  /** The template's own credentials, which a launch with credentials must repeat. */
  async credentials(
    templateId: number,
    signal: AbortSignal | undefined,
  ): Promise<Cached<Credential[]>> {
    return this.#credentials.get(String(templateId), () =>
      this.#awx.templateCredentials(templateId, { signal }),
    );
  }

  /**
   * The variables the template's survey asks for, when the survey decides which variables a
   * launch may set: it is enabled and the template does not prompt for Variables. Otherwise
   * undefined, and nothing is read.
   */
  async surveyVariables(
    template: JobTemplate,
    signal: AbortSignal | undefined,
  ): Promise<ReadonlySet<string> | undefined> {
    if (!template.survey_enabled || template.ask_variables_on_launch) return undefined;
    const { value } = await this.#surveys.get(
      String(template.id),
      async () => new Set(await this.#awx.surveyVariables(template.id, { signal })),
    );
    return value;
  }

  /** Drops what is known of the template: AWX refused a launch that used it. */
  forget(template: Pick<JobTemplate, 'id' | 'name'>): void {
    this.#templates.forget(template.name);
    this.#credentials.forget(String(template.id));
    this.#surveys.forget(String(template.id));
  }
}
