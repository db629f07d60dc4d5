import type { V1PodSecurityContext } from '@kubernetes/client-node';
import {
  type Conventions,
  type Dependencies,
  type DependencyWorkspace,
  dependencyWorkspaces,
  executionMetadata,
  executionObjectMeta,
  parseTimeout,
  requestedServiceAccount,
  sortedParameters,
  targetResourceParameter,
  type WorkflowExecution,
} from '@roundhouse/core';
import { restrictedSecurityProfile } from '@roundhouse/kube';
import { bundleReference } from './bundle-reference.js';
import { refuseCaseFoldedDuplicates } from './case-folded-names.js';
import { refuseExpandedValues } from './expanded-values.js';
import { checkPipelineRunSize } from './pipeline-run-size.js';

export const tektonEngine = 'tekton';
/** kubernaut's name for the Pipeline inside every workflow bundle. */
export const defaultPipelineName = 'workflow';

export interface TektonParam {
  readonly name: string;
  readonly value: string;
}

/** The tekton.dev/v1 PipelineRun fields Roundhouse writes. */
export interface PipelineRun {
  readonly apiVersion: 'tekton.dev/v1';
  readonly kind: 'PipelineRun';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: {
    readonly pipelineRef: { readonly resolver: 'bundles'; readonly params: TektonParam[] };
    readonly params: TektonParam[];
    readonly workspaces?: DependencyWorkspace[] | undefined;
    readonly taskRunTemplate: {
      readonly serviceAccountName: string;
      readonly podTemplate?: { readonly securityContext: V1PodSecurityContext } | undefined;
    };
    readonly timeouts?: { readonly pipeline: string; readonly tasks: string } | undefined;
  };
}

export interface PipelineRunSettings {
  readonly conventions: Conventions;
  /** Used when the WorkflowExecution names none. */
  readonly serviceAccountName: string;
  /** The Pipeline to run from the bundle. */
  readonly pipelineName: string;
  /**
   * `restricted` (the default, as unset) gives every TaskRun pod kubernaut's restricted pod
   * security context (BR-WE-018): runAsNonRoot and seccomp RuntimeDefault, so a step image that
   * runs as root does not start. `none` sets none. Either is refined by `podSecurityContext`. A
   * container's own context is the bundle's Task's to write: the PipelineRun has no field for it.
   */
  readonly securityProfile?: 'restricted' | 'none' | undefined;
  readonly podSecurityContext?: V1PodSecurityContext | undefined;
  /**
   * Go duration for `spec.timeouts.pipeline` and `tasks` when the WorkflowExecution sets no
   * timeout; unset, Tekton's own default applies (60 minutes, or none where a cluster sets it
   * to 0).
   */
  readonly defaultTimeout?: string | undefined;
}

/**
 * The `spec.timeouts.pipeline` (and `tasks`) value for a WorkflowExecution timeout (or the
 * engine's default, `path` naming it in the error): the Go duration verbatim,
 * since Tekton parses the same grammar, once it is known to be a positive one (Tekton reads
 * zero as "no timeout").
 */
export function pipelineTimeout(
  timeout: string | undefined,
  path = 'spec.executionConfig.timeout',
): string | undefined {
  if (!timeout) return undefined;
  parseTimeout(timeout, path);
  return timeout;
}

/**
 * The PipelineRun that runs `wfe`: named for the lock, labelled for its owner, resolving the
 * Pipeline from the execution bundle with the parameters (sorted) and then TARGET_RESOURCE; a
 * parameter value Tekton or the kubelet would expand (`$(`), and a name Tekton takes for another
 * one's (letter case aside), are refused. Pure: the same inputs
 * always give the same object, and bad input throws ConfigurationError before anything is sent
 * to the cluster.
 */
export function buildPipelineRun(
  wfe: WorkflowExecution,
  namespace: string,
  dependencies: Dependencies | undefined,
  settings: PipelineRunSettings,
): PipelineRun {
  const { conventions } = settings;
  const podSecurity = {
    ...(settings.securityProfile === 'none' ? {} : restrictedSecurityProfile().pod),
    ...settings.podSecurityContext,
  };
  const meta = executionMetadata(wfe, tektonEngine, conventions, {
    engineLabel: conventions.engineLabelOnPipelineRuns,
  });
  const sorted = sortedParameters(wfe.spec.parameters);
  refuseCaseFoldedDuplicates(sorted);
  refuseExpandedValues(sorted);
  const params = sorted.map(([name, value]) => ({ name, value }));
  const workspaces = dependencyWorkspaces(dependencies);
  const timeout = wfe.spec.executionConfig?.timeout
    ? pipelineTimeout(wfe.spec.executionConfig.timeout)
    : pipelineTimeout(settings.defaultTimeout, 'defaultTimeout');

  const run: PipelineRun = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: executionObjectMeta(wfe, namespace, meta, conventions),
    spec: {
      pipelineRef: {
        resolver: 'bundles',
        params: [
          {
            name: 'bundle',
            value: bundleReference(wfe),
          },
          { name: 'name', value: settings.pipelineName },
          { name: 'kind', value: 'pipeline' },
        ],
      },
      params: [...params, { name: targetResourceParameter, value: wfe.spec.targetResource }],
      ...(workspaces.length ? { workspaces: workspaces.map((w) => ({ ...w })) } : {}),
      taskRunTemplate: {
        serviceAccountName: requestedServiceAccount(wfe) ?? settings.serviceAccountName,
        ...(Object.keys(podSecurity).length
          ? { podTemplate: { securityContext: podSecurity } }
          : {}),
      },
      // The same value for `tasks`: Tekton gives a TaskRun the run's timeout only from
      // `timeouts.tasks` (pipelinerun.go `pipelineRunTimeout`), so with `pipeline` alone every
      // task ends at the cluster's default TaskRun timeout (60 minutes) whatever the execution
      // asked for.
      ...(timeout !== undefined ? { timeouts: { pipeline: timeout, tasks: timeout } } : {}),
    },
  };
  checkPipelineRunSize(run);
  return run;
}
