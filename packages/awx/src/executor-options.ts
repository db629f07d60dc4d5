import {
  ConfigurationError,
  type Conventions,
  type Logger,
  roundhouseConventions,
  toFieldIssues,
} from '@roundhouse/core';
import { z } from 'zod';

const organizationIdError =
  'must be the id of the AWX organization that owns the ephemeral credentials (1 is ' +
  "AWX's Default): AWX creates no credential without an owner";

export const AnsibleExecutorOptionsSchema = z.object({
  /**
   * AWX organization the ephemeral credentials are created in. AWX refuses a credential without
   * an owner, and a token that is not a System Administrator's needs Credential Admin there.
   */
  organizationId: z.number().int().positive({ error: organizationIdError }).default(1),
  /**
   * Prefix of the names of AWX objects this executor creates (`<prefix>secret-<secret>`,
   * `<prefix>ephemeral-…`). Default: the conventions' envPrefix in lower case with `-`, so
   * `roundhouse-`, or `kubernaut-` with the kubernaut preset, whose type names match kubernaut's.
   */
  namePrefix: z
    .string()
    .regex(/^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?-$/, {
      error: 'must be lowercase letters, digits and "-", ending in "-", e.g. "roundhouse-"',
    })
    .optional(),
  /**
   * The longest one operation (a create, a status, a cleanup, an availability check, a log read
   * up to its first line) may take in all: every request, page and retry it makes. AWX's client
   * bounds each request by its own `timeoutMs`, but an operation makes many, and a controller's
   * worker waits on it. Past it the operation fails with a retryable AwxOperationTimeoutError
   * (reason `AWXOperationTimeout`), naming what it was waiting on, and leaves nothing the next
   * create or cleanup does not find: credentials are found by their names. A create that fails
   * undoes what it made within as long again.
   */
  operationTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(2 * 60_000),
  /** How much of a failed job's output goes into the status message. */
  stdoutTailBytes: z.number().int().min(0).max(16_384).default(4_096),
  /**
   * How far AWX's clock may run behind this controller's (or the API server's): finding a job
   * an earlier create launched looks this much further back.
   */
  clockSkewToleranceMs: z
    .number()
    .int()
    .min(0)
    .default(5 * 60_000),
  /** How far back to look for a launched job when the execution has no creationTimestamp. */
  lookbackMs: z
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60_000),
  /**
   * How long AWX may take to commit a launch whose answer was lost (a timeout, a reset, a 5xx
   * from a gateway): until then a retried create looks for the job and launches nothing. Longer
   * than any gateway or proxy timeout in front of AWX.
   */
  launchCommitWindowMs: z
    .number()
    .int()
    .min(0)
    .default(5 * 60_000),
  /**
   * How long the claim of a create that stopped writing (its process died) keeps another create
   * of the same execution waiting before it takes over.
   */
  claimTtlMs: z.number().int().min(0).default(60_000),
  /**
   * How long a job template, its survey and launch requirements and a credential type are reused
   * between launches without reading them again; 0 reads them on every launch. A template's
   * credentials are read afresh for every launch that sends credentials.
   */
  cacheTtlMs: z.number().int().min(0).default(60_000),
  /**
   * Job templates an execution may launch: exact names, a prefix ending in `*`, or `*`. Unset,
   * every template the controller's AWX user may execute (AWX's rights decide); empty, none.
   */
  allowedJobTemplates: z.array(z.string().min(1)).optional(),
  /**
   * Gives every job an AWX "OpenShift or Kubernetes API Bearer Token" credential for this API
   * server, holding a token of the execution's ServiceAccount (the default runner unless it
   * names one), so playbooks using `kubernetes.core` reach the cluster as that ServiceAccount.
   * Unset, jobs get no such credential.
   */
  kubernetesApi: z
    .object({
      /** The API server as the job reaches it, e.g. `https://kubernetes.example.com:6443`. */
      host: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
      /** PEM CA bundle the job verifies the API server with. */
      caCertificate: z.string().min(1).optional(),
      /**
       * `false` sends the token without verifying the server. AWX verifies only with a CA
       * certificate, so without `caCertificate` this must be said explicitly.
       */
      verifySsl: z.boolean().default(true),
    })
    .refine((api) => !api.verifySsl || api.caCertificate !== undefined, {
      path: ['caCertificate'],
      error:
        'is required unless verifySsl is false: without it AWX sends the token without ' +
        'verifying the API server (K8S_AUTH_VERIFY_SSL=False)',
    })
    .optional(),
});

export type KubernetesApiOptions = z.output<typeof AnsibleExecutorOptionsSchema>['kubernetesApi'];

export type AnsibleExecutorOptions = z.input<typeof AnsibleExecutorOptionsSchema> & {
  readonly conventions?: Conventions | undefined;
  readonly logger?: Logger | undefined;
  /** Milliseconds since the epoch; tests pass a clock they move. */
  readonly now?: (() => number) | undefined;
};

export type AnsibleExecutorSettings = Required<
  Omit<
    z.output<typeof AnsibleExecutorOptionsSchema>,
    'namePrefix' | 'allowedJobTemplates' | 'kubernetesApi'
  >
> & {
  readonly namePrefix: string;
  readonly allowedJobTemplates?: readonly string[] | undefined;
  readonly kubernetesApi?: KubernetesApiOptions | undefined;
  readonly conventions: Conventions;
  readonly now: () => number;
};

/** Validates executor options; a bad one is a ConfigurationError naming `ansible.<field>`. */
export function parseExecutorOptions(options: AnsibleExecutorOptions): AnsibleExecutorSettings {
  const { conventions = roundhouseConventions, logger: _logger, now = Date.now, ...rest } = options;
  const result = AnsibleExecutorOptionsSchema.safeParse(rest);
  if (!result.success) throw new ConfigurationError(toFieldIssues(result.error, 'ansible', rest));
  const namePrefix =
    result.data.namePrefix ?? `${conventions.envPrefix.toLowerCase().replaceAll('_', '-')}-`;
  return { ...result.data, namePrefix, conventions, now };
}
