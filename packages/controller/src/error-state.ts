import { z } from 'zod';

/**
 * Who a failure is for. `USER`: the task itself failed (its exit code, its spec); it uses up
 * one of the task's attempts. `SYSTEM`: the platform failed (an execution resource deleted from
 * outside, a refused create); it uses up the separate, consecutive system-failure budget.
 */
export const ErrorKindSchema = z.enum(['USER', 'SYSTEM']);

/** The structured error of a failed attempt, kept in the status next to the conditions. */
export const ErrorStateSchema = z.object({
  /** CamelCase, machine-readable: `TaskFailed`, `OOMKilled`, `MaxRetriesExceeded`, ... */
  code: z.string().min(1),
  kind: ErrorKindSchema,
  message: z.string(),
});

export type ErrorKind = z.infer<typeof ErrorKindSchema>;
export type ErrorState = z.infer<typeof ErrorStateSchema>;
