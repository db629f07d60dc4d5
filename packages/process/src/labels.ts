import { z } from 'zod';

const maxLabels = 64;

/**
 * Labels and annotations a client attaches to a task so it can tell its own tasks from others'
 * (the engines store a WorkflowExecution's owner labels and annotations here, its uid
 * included). Keys and values are bounded so a record stays small; the agent does not
 * interpret them.
 */
export const TaskLabelsSchema = z
  .record(
    z.string().min(1, { error: 'label keys must not be empty' }).max(317),
    z.string().max(1024, { error: 'label values must be at most 1024 characters' }),
  )
  .refine((labels) => Object.keys(labels).length <= maxLabels, {
    error: `at most ${maxLabels} labels`,
  });

export type TaskLabels = z.infer<typeof TaskLabelsSchema>;
