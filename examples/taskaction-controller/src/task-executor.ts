import { defineConventions, roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { type ContainerCommand, JobExecutor, type JobExecutorOptions } from '@roundhouse/job';
import type { KubeClient } from '@roundhouse/kube';
import { z } from 'zod';
import { defaultAttemptTimeouts } from './timeout-policy.js';

/** What `attemptExecution` puts in `engineConfig` from the task template. */
const TaskCommandSchema = z.object({
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
});

/**
 * The command an attempt runs: its task template's `command` and `args`, which
 * `attemptExecution` carries in `engineConfig`. A task is its author's code by definition (its
 * image is checked against `--allowed-images` at admission), so, unlike a WorkflowExecution's
 * bundle, it names what runs.
 */
export function taskCommand(wfe: WorkflowExecution): ContainerCommand | undefined {
  const parsed = TaskCommandSchema.safeParse(wfe.spec.workflowRef.engineConfig ?? {});
  return parsed.success ? parsed.data : undefined;
}

/**
 * An attempt's container limits when the operator gives none (`--job-resource-limits`), as
 * Flyte's k8s plugin gives a task's container `default-cpus` and `default-memory`: every
 * author's attempt runs in the one execution namespace, and one without limits could take all
 * its node has from the attempts of everyone else.
 */
export const defaultAttemptLimits: Readonly<Record<'cpu' | 'memory', string>> = Object.freeze({
  cpu: '1',
  memory: '1Gi',
});

/**
 * The job engine as TaskActions use it: each attempt's Job runs the task template's command,
 * and one whose template sets no timeout gets `defaultTimeout` (default 1h), so no author holds
 * a pod for ever; its container gets `resources` (default `defaultAttemptLimits`; `{}` for
 * none). Its errors name an attempt as the owner of a Job. Its Jobs have no TTL: a controller
 * stopped between creating one and saying so finds it again however long it was down (a Job
 * deleted when it finished would be run again); the reconciler deletes it once its action ends.
 */
export function taskJobExecutor(
  client: KubeClient,
  options: Omit<JobExecutorOptions, 'containerCommand' | 'ttlSecondsAfterFinished'> = {},
): JobExecutor {
  return new JobExecutor(client, {
    defaultTimeout: defaultAttemptTimeouts.defaultTimeout,
    ...options,
    ttlSecondsAfterFinished: null,
    resources: options.resources ?? { limits: { ...defaultAttemptLimits } },
    // Its owners are attempts (`<action>-<n>`, see attemptExecution), and its errors say so.
    conventions: defineConventions(
      { ownerNoun: 'TaskAction attempt' },
      options.conventions ?? roundhouseConventions,
    ),
    // The author's command runs as the shared runner: it must not hold the runner's token.
    pod: { ...options.pod, automountServiceAccountToken: false },
    containerCommand: taskCommand,
  });
}
