import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { toFieldIssues } from './field-issues.js';

const absolutePath = z.string().regex(/^\/[^\0]*[^/]$/, {
  error: 'must be an absolute path without a trailing slash',
});

/**
 * Everything a backend stamps on the resources it creates. Two controllers that share
 * conventions can adopt and clean up each other's resources.
 */
export const ConventionsSchema = z.object({
  /** Prefix of every label and annotation key, ending in "/". */
  labelPrefix: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/$/, {
    error: 'must be a DNS subdomain followed by "/", e.g. "roundhouse.dev/"',
  }),
  /** Prefix of execution resource names (the lock); short, so names stay within limits. */
  namePrefix: z.string().regex(/^[a-z]([-a-z0-9]{0,14})$/, {
    error: 'must be 1-15 lowercase DNS-label characters starting with a letter, e.g. "wfe-"',
  }),
  secretMountBase: absolutePath,
  configMapMountBase: absolutePath,
  defaultServiceAccountName: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'must be a DNS-1123 label',
  }),
  /** Upper-case prefix of environment and extra-vars names that carry dependency values. */
  envPrefix: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'must be UPPER_SNAKE_CASE' }),
  /** kubernaut puts no execution-engine label on PipelineRuns; matching it needs this off. */
  engineLabelOnPipelineRuns: z.boolean(),
  /**
   * Whether an execution resource is adopted only when it records its owner's uid. Every
   * Roundhouse engine records it, so anyone able to create a resource under the lock's name
   * with a victim's labels would otherwise have their resource, and its made-up result, taken
   * for the victim's. kubernaut records none, so sharing resources with it needs this off.
   */
  ownerUidRequired: z.boolean(),
  /**
   * Whether a failed Tekton PipelineRun that no failed TaskRun and no structured reason explains
   * is classified from words of its Succeeded condition's reason and message (`oom`,
   * `forbidden`, `quota`, ...), as kubernaut classifies every failed run. The words can be any
   * text (a resolver's error quoting a name, a user's message), so Roundhouse's own preset
   * leaves such a run `TaskFailed` when it began and unclassified when it did not.
   */
  failureClassFromMessage: z.boolean(),
  /**
   * What errors call the owner of an execution resource, before its namespace and name, when
   * another owner holds a lock ("held by TaskRun team-a/x"): its kind, or words naming what an
   * owner is in this controller ("TaskAction attempt"). Default `WorkflowExecution`; a
   * controller of another kind sets its own, so its users do not read of WorkflowExecutions they
   * never made.
   */
  ownerNoun: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]*( [A-Za-z][A-Za-z0-9]*)*$/, {
      error: 'must be words of letters and digits separated by single spaces, e.g. "TaskRun"',
    })
    .max(63)
    .optional(),
});

export type Conventions = Readonly<z.infer<typeof ConventionsSchema>>;

export const roundhouseConventions: Conventions = Object.freeze({
  labelPrefix: 'roundhouse.dev/',
  namePrefix: 'wfe-',
  secretMountBase: '/run/roundhouse/secrets',
  configMapMountBase: '/run/roundhouse/configmaps',
  defaultServiceAccountName: 'roundhouse-workflow-runner',
  envPrefix: 'ROUNDHOUSE',
  engineLabelOnPipelineRuns: true,
  ownerUidRequired: true,
  failureClassFromMessage: false,
});

/** Byte-for-byte what kubernaut's workflow-execution controller writes. */
export const kubernautConventions: Conventions = Object.freeze({
  labelPrefix: 'kubernaut.ai/',
  namePrefix: 'wfe-',
  secretMountBase: '/run/kubernaut/secrets',
  configMapMountBase: '/run/kubernaut/configmaps',
  // kubernaut's executors' default until its DD-WE-005 v2.0 (#481); since then they name no
  // ServiceAccount (the namespace's `default` runs) and its chart creates none of this name.
  defaultServiceAccountName: 'kubernaut-workflow-runner',
  envPrefix: 'KUBERNAUT',
  engineLabelOnPipelineRuns: false,
  ownerUidRequired: false,
  failureClassFromMessage: true,
});

/** Builds validated conventions from a preset and overrides; a bad field is a ConfigurationError. */
export function defineConventions(
  overrides: Partial<Conventions>,
  base: Conventions = roundhouseConventions,
): Conventions {
  const merged = { ...base, ...overrides };
  const result = ConventionsSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigurationError(toFieldIssues(result.error, 'conventions', merged));
  }
  return Object.freeze(result.data);
}

/** The label and annotation keys derived from a conventions object. */
export function conventionKeys(conventions: Conventions) {
  const p = conventions.labelPrefix;
  return {
    workflowExecutionLabel: `${p}workflow-execution`,
    workflowIdLabel: `${p}workflow-id`,
    targetResourceLabel: `${p}target-resource`,
    sourceNamespaceLabel: `${p}source-namespace`,
    executionEngineLabel: `${p}execution-engine`,
    targetResourceAnnotation: `${p}target-resource`,
    workflowExecutionAnnotation: `${p}workflow-execution`,
    workflowExecutionUidAnnotation: `${p}workflow-execution-uid`,
  } as const;
}

export type ConventionKeys = ReturnType<typeof conventionKeys>;
