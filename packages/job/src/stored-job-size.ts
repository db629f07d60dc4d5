import type { V1Job } from '@kubernetes/client-node';
import {
  ConfigurationError,
  maxObjectBytes,
  statusWriteAllowance,
  storedObjectBytes,
} from '@roundhouse/core';

/**
 * Refuses a Job that etcd would not take: a ConfigurationError on `spec.parameters` before
 * anything is sent. The JSON of the Job is not all that is stored: the API server adds the
 * creator's managedFields, which name every variable of the container by its name
 * (`k:{"name":…}` with its `f:name` and `f:value`), tens of KB for 256 parameters of long names,
 * and the Job controller's status writes follow. Kubernetes 1.36 answers a Job too large with
 * its managedFields by trying again without them, on the object its first attempt already gave
 * the Job controller's `controller-uid` labels, and refuses that with a 422 about those labels,
 * which says nothing of the size (seen on the test control plane). The estimate errs by being
 * large: a Job a few KB under the limit may be refused.
 */
export function checkStoredJobSize(job: V1Job): void {
  const bytes = storedObjectBytes(job) + statusWriteAllowance;
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path: 'spec.parameters',
    message: `make a Job of ${bytes} bytes as stored (its managedFields and status included), more than the ${maxObjectBytes} the API server can store: the Job carries every parameter, each "$" in it doubled so the kubelet passes it on unexpanded; use smaller parameter values`,
  });
}
