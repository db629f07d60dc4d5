import type { V1PodSecurityContext, V1PodSpec, V1SecurityContext } from '@kubernetes/client-node';
import { roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { buildJob } from '@roundhouse/job';

export interface SecurityProfile {
  readonly pod: V1PodSecurityContext;
  readonly container: V1SecurityContext;
  /** What the profile sets on the pod beside its security context (service links off). */
  readonly podSpec: Pick<V1PodSpec, 'enableServiceLinks'>;
}

/** Any valid execution: only what the profile sets in the Job built for it is read. */
const probe: WorkflowExecution = {
  metadata: { name: 'security-profile', namespace: 'default' },
  spec: {
    workflowRef: { workflowId: 'security-profile', version: '1', executionBundle: 'probe' },
    targetResource: 'default/pod/security-profile',
    executionEngine: 'job',
  },
};

/**
 * The job engine's `restricted` profile, read from the Job its builder makes, so both engines
 * run pods under one definition and a change to it reaches both. `@roundhouse/job` does not
 * export the profile; once it lives in a shared place this becomes a plain import.
 */
function restrictedProfile(): SecurityProfile {
  const job = buildJob(probe, 'default', undefined, {
    conventions: roundhouseConventions,
    serviceAccountName: 'default',
    ttlSecondsAfterFinished: 0,
    securityProfile: 'restricted',
  });
  const pod = job.spec?.template.spec;
  const enableServiceLinks = pod?.enableServiceLinks;
  // A deep copy: the Job's contexts share objects (capabilities) with the job module's own.
  return structuredClone({
    pod: pod?.securityContext ?? {},
    container: pod?.containers[0]?.securityContext ?? {},
    podSpec: enableServiceLinks === undefined ? {} : { enableServiceLinks },
  });
}

export const restricted: SecurityProfile = restrictedProfile();
