import type { V1Job } from '@kubernetes/client-node';
import {
  ConfigurationError,
  maxObjectBytes,
  statusWriteAllowance,
  storedObjectBytes,
} from '@roundhouse/core';

/**
 * Refuses a Job that etcd would not take, or whose pod it would not: a ConfigurationError on
 * `spec.parameters` before anything is sent. The JSON of the Job is not all that is stored: the
 * API server adds the creator's managedFields, which name every variable of the container by its
 * name (`k:{"name":…}` with its `f:name` and `f:value`), tens of KB for 256 parameters of long
 * names; then come the status writes (the Job controller's, the kubelet's on the pod). A Job
 * whose JSON just fits is refused with a 500 that reads as passing, or, if the Job fits and
 * its pod does not, the Job controller retries the pod's create until the deadline.
 */
export function checkStoredJobSize(job: V1Job): void {
  const bytes = storedObjectBytes(job) + statusWriteAllowance;
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path: 'spec.parameters',
    message: `make a Job of ${bytes} bytes as stored (its managedFields and status included), more than the ${maxObjectBytes} the API server can store: the Job carries every parameter, each "$" in it doubled so the kubelet passes it on unexpanded; use smaller parameter values`,
  });
}
