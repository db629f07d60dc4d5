import { z } from 'zod';

/*
 * Bounds shared by the spec and the status schemas. Every string of a WorkflowExecution is
 * bounded, here and (through the CRD generated from the schemas) in the API server: an
 * unbounded field lets one author write an object whose echo in an error, or whose copy in a
 * status, is too large to store.
 */

/** The longest Kubernetes object name, more than a catalog key or a version string needs. */
export const identifierMaxLength = 253;

/**
 * Free text an LLM or a workflow author writes (a parameter value, a rationale): as much as a
 * metav1.Condition message may hold, pages more than a value or an explanation needs.
 */
export const freeTextMaxLength = 32_768;

export const nonEmpty = (what: string) => z.string().min(1, { error: `${what} must not be empty` });
