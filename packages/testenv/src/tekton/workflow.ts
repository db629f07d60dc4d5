import type { TektonObject } from '../oci/bundle.js';
import { type ContainerOutcome, containerOutcomes } from '../stages.js';

/** A step of a simulated Task and how it ends on the fake node. */
export interface SimulatedStep {
  readonly name: string;
  /** Default 0. */
  readonly exitCode?: number | undefined;
  /** Seconds it runs, after the steps before it; default 0. */
  readonly runSeconds?: number | undefined;
  /** Task results this step writes, as Tekton's entrypoint does through the termination message. */
  readonly results?: Readonly<Record<string, string>> | undefined;
}

export interface SimulatedTask {
  readonly name: string;
  /** Default one step `run` that succeeds at once. */
  readonly steps?: readonly SimulatedStep[] | undefined;
  readonly runAfter?: readonly string[] | undefined;
  /**
   * The task's pod runs until the test ends it (e.g. by annotating the pod with
   * `podControls.exitCode`); its steps' outcomes are then ignored.
   */
  readonly hold?: boolean | undefined;
}

/** A Pipeline whose Tasks run on the fake node with the outcomes the test chose. */
export interface SimulatedWorkflow {
  /** Default `workflow`, the name Roundhouse (and kubernaut) run from every bundle. */
  readonly pipelineName?: string | undefined;
  /** String params the Pipeline declares; default `TARGET_RESOURCE`, which every run passes. */
  readonly params?: readonly string[] | undefined;
  /** Workspaces the Pipeline declares (e.g. `secret-db` for a Roundhouse dependency). */
  readonly workspaces?: readonly string[] | undefined;
  readonly tasks: readonly SimulatedTask[];
  readonly finally?: readonly SimulatedTask[] | undefined;
}

/** The termination message Tekton's entrypoint writes for task results (type 1: TaskRunResult). */
export function resultsMessage(results: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(results).map(([key, value]) => ({ key, value, type: 1 })));
}

function outcome(step: SimulatedStep): ContainerOutcome {
  return {
    ...(step.exitCode !== undefined ? { exitCode: step.exitCode } : {}),
    ...(step.runSeconds !== undefined ? { runSeconds: step.runSeconds } : {}),
    ...(step.results ? { message: resultsMessage(step.results) } : {}),
  };
}

/** A Task whose pod ends as its steps say: Tekton copies Task annotations onto the pod. */
function task(spec: SimulatedTask): TektonObject {
  const steps = spec.steps ?? [{ name: 'run' }];
  const results = [...new Set(steps.flatMap((s) => Object.keys(s.results ?? {})))];
  const outcomes = Object.fromEntries(steps.map((s) => [`step-${s.name}`, outcome(s)]));
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'Task',
    metadata: {
      name: spec.name,
      ...(spec.hold ? {} : { annotations: containerOutcomes(outcomes) }),
    },
    spec: {
      ...(results.length ? { results: results.map((name) => ({ name, type: 'string' })) } : {}),
      // A command, so Tekton need not ask a registry for the image's entrypoint.
      steps: steps.map((s) => ({
        name: s.name,
        image: 'testenv.invalid/step:1',
        command: [s.name],
      })),
    },
  };
}

/**
 * The objects of a bundle that will be pushed as `reference`: the Pipeline, whose tasks resolve
 * their Tasks from the same bundle (as a bundle's Pipeline must), and one Task per pipeline task.
 */
export function simulatedWorkflow(reference: string, spec: SimulatedWorkflow): TektonObject[] {
  const pipelineTask = (t: SimulatedTask) => ({
    name: t.name,
    taskRef: {
      resolver: 'bundles',
      params: [
        { name: 'bundle', value: reference },
        { name: 'name', value: t.name },
        { name: 'kind', value: 'task' },
      ],
    },
    ...(t.runAfter?.length ? { runAfter: [...t.runAfter] } : {}),
  });
  const params = spec.params ?? ['TARGET_RESOURCE'];
  const pipeline: TektonObject = {
    apiVersion: 'tekton.dev/v1',
    kind: 'Pipeline',
    metadata: { name: spec.pipelineName ?? 'workflow' },
    spec: {
      params: params.map((name) => ({ name, type: 'string' })),
      ...(spec.workspaces?.length ? { workspaces: spec.workspaces.map((name) => ({ name })) } : {}),
      tasks: spec.tasks.map(pipelineTask),
      ...(spec.finally?.length ? { finally: spec.finally.map(pipelineTask) } : {}),
    },
  };
  return [pipeline, ...[...spec.tasks, ...(spec.finally ?? [])].map(task)];
}
