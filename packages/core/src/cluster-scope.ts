import { ConfigurationError } from './errors.js';
import type { WorkflowExecution } from './workflow-execution.js';

/** A cluster name as an error quotes it: escaped, and cut short when long. */
function quoted(cluster: string): string {
  return JSON.stringify(cluster.length > 64 ? `${cluster.slice(0, 64)}…` : cluster);
}

/**
 * Why an execution meant for another cluster (kubernaut's fleet `spec.clusterID`) cannot run
 * here, or undefined for one of this cluster. Roundhouse runs an execution where it was created:
 * running a remote one locally would act on this cluster with that cluster's intent. The engine
 * is named as kubernaut's refusal names it, so an operator sees which engine turned it away.
 */
export function remoteClusterMessage(
  clusterID: string | undefined,
  engine: string | undefined,
): string | undefined {
  if (!clusterID) return undefined;
  const who = engine ? `the ${quoted(engine)} engine runs` : 'engines run';
  return (
    `${who} executions in their own cluster only, and this one names cluster ${quoted(clusterID)}; ` +
    'leave clusterID empty, or hand the execution to a controller of that cluster'
  );
}

/**
 * Refuses an execution meant for another cluster. The schema refuses it too, but a library
 * caller may hand an executor an execution it never parsed, and nothing may be created for it.
 */
export function refuseRemoteCluster(wfe: WorkflowExecution): void {
  const message = remoteClusterMessage(wfe.spec.clusterID, wfe.spec.executionEngine);
  if (message) throw new ConfigurationError({ path: 'spec.clusterID', message });
}
