import type { ResourceType } from '@roundhouse/core';
import { apiVersionOf, type KubeObject, type ResourceEngine } from '@roundhouse/kube';
import { buildPipelineRun, type PipelineRunSettings, tektonEngine } from './pipeline-run-spec.js';
import { type ResultSettings, readPipelineRunResult } from './read-result.js';
import { isPipelineRunFinished, PipelineRunStateSchema, pipelineRunLabel } from './status.js';

export type PipelineRunObject = KubeObject & { status?: unknown };

/**
 * Tekton finds a run's TaskRuns by name (`<run>-<task>`) and does not check their owner: the
 * next run of the same target, the same name, would take the previous run's TaskRuns as its own
 * if they outlived it.
 */
export const runDeletion = 'Foreground';

/** The Tekton engine's own part: the PipelineRun it builds and how a run (and its TaskRuns) read. */
export function tektonEngineSpec(
  settings: PipelineRunSettings,
  pipelineRunType: ResourceType,
  resultSettings: ResultSettings,
): ResourceEngine<PipelineRunObject> {
  return {
    engine: tektonEngine,
    type: pipelineRunType,
    defaultTimeout: settings.defaultTimeout,
    installHint: 'install Tekton Pipelines',
    deletion: runDeletion,
    build: (wfe, namespace, dependencies) => ({
      ...buildPipelineRun(wfe, namespace, dependencies, settings),
      apiVersion: apiVersionOf(pipelineRunType),
    }),
    // Said rather than dropped in silence: an author who wrote a pod template, a service
    // account or a pipeline there would otherwise believe it applied.
    unusedFields: (wfe) => [
      ...(wfe.spec.workflowRef.resources
        ? [
            "spec.workflowRef.resources is not used by the tekton engine: the Pipeline's Tasks size their own steps",
          ]
        : []),
      ...(wfe.spec.workflowRef.engineConfig !== undefined
        ? [
            "spec.workflowRef.engineConfig is not used by the tekton engine: the PipelineRun runs the bundle's Pipeline with the parameters, the dependencies as workspaces and the service account",
          ]
        : []),
    ],
    isFinished: (run) => isPipelineRunFinished(PipelineRunStateSchema.parse(run)),
    logSources: (run) => ({ labelSelector: `${pipelineRunLabel}=${run.metadata?.name}` }),
    result: (run, context) => readPipelineRunResult(run, resultSettings, context),
  };
}
