import { type Conventions, kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import type { EventMode } from '@roundhouse/workflowexecution';

/**
 * What `--conventions` picks, in one place: the labels and paths the engines stamp (the default
 * runner ServiceAccount among them), the execution namespace when `--execution-namespace`
 * names none, kubernaut's own default under its preset (its config.go), so a controller taking
 * over from kubernaut's finds its Jobs and PipelineRuns where kubernaut's left them, and the
 * Events when `--events` names none: kubernaut's at every step under its preset, since its
 * tests and tools look for them.
 */
export const presets = {
  roundhouse: {
    conventions: roundhouseConventions,
    executionNamespace: 'roundhouse-workflows',
    events: 'outcome',
  },
  kubernaut: {
    conventions: kubernautConventions,
    executionNamespace: 'kubernaut-workflows',
    events: 'lifecycle',
  },
} as const satisfies Record<
  string,
  {
    readonly conventions: Conventions;
    readonly executionNamespace: string;
    readonly events: EventMode;
  }
>;

export type Preset = keyof typeof presets;
