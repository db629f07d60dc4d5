import {
  ConfigurationError,
  maxObjectBytes,
  statusWriteAllowance,
  storedJsonBytes,
} from '@roundhouse/core';
import type { PipelineRun } from './pipeline-run-spec.js';

/**
 * Refuses a PipelineRun Tekton could not record, before it is sent. Tekton writes the run's
 * status with the Pipeline it resolved, its parameters substituted (`status.pipelineSpec`,
 * pipelinerun.go after `ApplyParameters`), so every value the Pipeline uses is stored again;
 * and a TaskRun that receives a value stores it twice the same way (spec and
 * `status.taskSpec`). A run past the limit that way is created, but every status write Tekton
 * makes after resolving its Pipeline is refused: its condition stays `ResolvingPipelineRef`
 * while its tasks run (Tekton v1.15.1, a 900 KB parameter passed to one task), until Tekton
 * times it out from its stored copy at twice its timeout (`HasTimedOutForALongTime`), or never
 * without one. Each value is counted twice, the least a Pipeline that uses it stores; one that
 * uses a value in several places needs more.
 */
export function checkPipelineRunSize(run: PipelineRun): void {
  const substituted = run.spec.params.reduce((sum, p) => sum + storedJsonBytes(p.value), 0);
  const bytes = storedJsonBytes(run) + substituted + statusWriteAllowance;
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path: 'spec.parameters',
    message: `make a PipelineRun of at least ${bytes} bytes once Tekton writes its status (which repeats every parameter the Pipeline uses), more than the ${maxObjectBytes} the API server can store, so Tekton could not record the run's progress: use smaller parameter values`,
  });
}
