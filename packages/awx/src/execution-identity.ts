/**
 * Which WorkflowExecution an AWX object belongs to. AWX has no labels, so the executor derives
 * everything from the execution itself: a marker variable on every job it launches, and names
 * of the credentials it creates. A retried create, a getStatus without `executionRef` and a
 * cleanup after a crash all find what an earlier call did this way.
 */
import { createHash } from 'node:crypto';
import type { Conventions, WorkflowExecution } from '@roundhouse/core';

export interface ExecutionIdentity {
  /** `namespace/name/uid`, or `namespace/name` when the execution has no uid (tests). */
  readonly id: string;
  /** 16 hex characters of sha256(id): short, and safe inside any AWX name. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
}

/** Variables that say which execution launched a job. */
export const wfeNameVariable = 'WFE_NAME';
export const wfeNamespaceVariable = 'WFE_NAMESPACE';

/**
 * The uid makes a WorkflowExecution deleted and re-created under the same name a different
 * execution, so it never adopts its predecessor's job.
 */
export function executionIdentity(wfe: Pick<WorkflowExecution, 'metadata'>): ExecutionIdentity {
  const { namespace, name, uid } = wfe.metadata;
  const id = uid ? `${namespace}/${name}/${uid}` : `${namespace}/${name}`;
  const key = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 16);
  return { id, key, namespace, name };
}

/** The extra var that carries the identity on every launch, e.g. `ROUNDHOUSE_EXECUTION_ID`. */
export function markerVariable(conventions: Conventions): string {
  return `${conventions.envPrefix}_EXECUTION_ID`;
}

/** A JSON string, or one of the tokens JSON lacks that Python's `json.dumps` writes for floats. */
const stringOrNonFinite = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/**
 * AWX writes a job's `extra_vars` with Python's `json.dumps`, which spells a float that is not
 * finite `NaN`, `Infinity` or `-Infinity` (a template's YAML `.nan`, `.inf`); JSON.parse refuses
 * those, so they are read as null rather than losing every job of such a template.
 */
export function parseVariables(extraVars: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const json = extraVars.replace(stringOrNonFinite, (token) =>
      token.startsWith('"') ? token : 'null',
    );
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a job's `extra_vars` (AWX's JSON text) carry this execution's marker. */
export function isLaunchOf(
  extraVars: string,
  identity: ExecutionIdentity,
  conventions: Conventions,
): boolean {
  return parseVariables(extraVars)?.[markerVariable(conventions)] === identity.id;
}

/**
 * Whether a job named by `executionRef` belongs to this execution: it carries the marker, or
 * carries no marker at all but this execution's name and namespace, as the jobs kubernaut
 * launches do, so a controller taking over from kubernaut keeps tracking them.
 */
export function isJobOf(
  extraVars: string,
  identity: ExecutionIdentity,
  conventions: Conventions,
): boolean {
  const variables = parseVariables(extraVars);
  if (!variables) return false;
  const marker = variables[markerVariable(conventions)];
  if (marker !== undefined) return marker === identity.id;
  return (
    variables[wfeNameVariable] === identity.name &&
    variables[wfeNamespaceVariable] === identity.namespace
  );
}
