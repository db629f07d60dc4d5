import { type Conventions, type ConventionsPresetName, conventionsPresets } from '@roundhouse/core';
import type { EventMode } from '@roundhouse/workflowexecution';

/**
 * What `--conventions` picks, in one place: the labels and paths the engines stamp (the default
 * runner ServiceAccount among them), the execution namespace when `--execution-namespace`
 * names none, kubernaut's own default under its preset (its config.go), so a controller taking
 * over from kubernaut's finds its Jobs and PipelineRuns where kubernaut's left them, and the
 * Events when `--events` names none: kubernaut's at every step under its preset, since its
 * tests and tools look for them; and the API group when `--api-group` names none: kubernaut's
 * under its preset, so the controller serves the WorkflowExecutions kubernaut's
 * RemediationOrchestrator creates, on kubernaut's own CRD, as a drop-in for its controller.
 * Keyed by core's preset names (`conventionsPresets`, the one list): a preset added there fails
 * to type-check here until this controller says its namespace, Events and group.
 */
export const presets = {
  roundhouse: {
    conventions: conventionsPresets.roundhouse,
    executionNamespace: 'roundhouse-workflows',
    events: 'outcome',
    apiGroup: 'roundhouse.dev',
  },
  kubernaut: {
    conventions: conventionsPresets.kubernaut,
    executionNamespace: 'kubernaut-workflows',
    events: 'lifecycle',
    apiGroup: 'kubernaut.ai',
  },
} as const satisfies Record<
  ConventionsPresetName,
  {
    readonly conventions: Conventions;
    readonly executionNamespace: string;
    readonly events: EventMode;
    readonly apiGroup: string;
  }
>;

export type Preset = keyof typeof presets;
