import { ConfigurationError, type Logger, toFieldIssues } from '@roundhouse/core';
import { z } from 'zod';

/** How an AwxClient reaches AWX; every field is checked when the client is built. */
export const AwxClientOptionsSchema = z.object({
  /** Where AWX (or the AAP gateway) is served, e.g. `https://aap.example.com`. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** An OAuth2 / personal access token, sent as `Authorization: Bearer <token>`. */
  token: z.string().regex(/^[\x21-\x7e]+$/, {
    error: 'must be a non-empty token of printable ASCII characters without spaces',
  }),
  /** `/api/v2/` for AWX, `/api/controller/v2/` for AAP 2.5 and later. */
  apiPrefix: z
    .string()
    .regex(/^\/(?:[A-Za-z0-9._~-]+\/)+$/, {
      error: 'must be an absolute path ending in "/", e.g. "/api/v2/"',
    })
    .default('/api/v2/'),
  /** Limit for each request, answer body included. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** PEM certificates to trust instead of the system's, for an AWX behind a private CA. */
  caBundle: z.string().min(1).optional(),
  /** Turns certificate verification off. Never in production; logs a warning. */
  insecureSkipTlsVerify: z.boolean().default(false),
  /** Further attempts after a failure a repeat can fix. */
  retries: z.number().int().min(0).default(4),
  minRetryDelayMs: z.number().int().min(1).default(250),
  maxRetryDelayMs: z.number().int().min(1).default(8_000),
  /** A `Retry-After` longer than this is not waited for; the error goes to the caller. */
  maxRetryAfterMs: z.number().int().min(0).default(30_000),
  userAgent: z.string().min(1).default('roundhouse-awx'),
});

export type AwxClientSettings = z.output<typeof AwxClientOptionsSchema>;

export type AwxClientOptions = z.input<typeof AwxClientOptionsSchema> & {
  readonly logger?: Logger | undefined;
  /**
   * Where a rotated token comes from: called when AWX refuses the token (401), after which a
   * request is sent once more with the token it returns, if that is another. Without it a
   * rotated token fails every request until the client is built again.
   */
  readonly renewToken?: (() => Promise<string>) | undefined;
};

/** A token as AWX takes it in a Bearer header, for one `renewToken` returned. */
export function parseToken(token: string): string {
  return parseClientOptions({ baseUrl: 'https://awx.invalid', token }).token;
}

/** Validates client options; a bad one is a ConfigurationError naming `awx.<field>`. */
export function parseClientOptions(options: AwxClientOptions): AwxClientSettings {
  const { logger: _logger, renewToken: _renewToken, ...settings } = options;
  const result = AwxClientOptionsSchema.safeParse(settings);
  if (!result.success) throw new ConfigurationError(toFieldIssues(result.error, 'awx', settings));
  return result.data;
}
