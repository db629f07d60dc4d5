import type { V1Pod } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { engineConfigPath } from './config.js';

/**
 * etcd's default `--max-request-bytes` (1.5 MiB). The API server refuses a larger object with
 * 500 InternalError ("etcdserver: request is too large"), an answer that reads as passing, so a
 * caller would retry the same Pod for ever; what it stores is no larger than the JSON sent.
 */
export const maxPodBytes = 1_572_864;

/**
 * Refuses a Pod too large to store, before it is sent. Every step is a container with its own
 * copy of the execution's environment, so a Pod grows with steps times parameters and can be
 * far larger than the execution that asked for it.
 */
export function checkPodSize(pod: V1Pod, steps: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(pod));
  if (bytes <= maxPodBytes) return;
  throw new ConfigurationError({
    path: `${engineConfigPath}.steps`,
    message: `make a Pod of ${bytes} bytes, more than the ${maxPodBytes} the API server can store: every one of the ${steps} steps carries the parameters and its script; use fewer steps or smaller parameter values and scripts`,
  });
}
