import { formatKubeMicroTime } from '@roundhouse/core';
import { z } from 'zod';

/** coordination.k8s.io/v1 LeaseSpec, as read from the API server. */
export const LeaseSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string() }),
  spec: z
    .looseObject({
      holderIdentity: z.string().nullish(),
      leaseDurationSeconds: z.number().nullish(),
      acquireTime: z.string().nullish(),
      renewTime: z.string().nullish(),
      leaseTransitions: z.number().nullish(),
    })
    .optional(),
});

export type Lease = z.infer<typeof LeaseSchema>;
export type LeaseSpec = NonNullable<Lease['spec']>;

/** The spec after `identity` takes or renews the lease at `now`. */
export function acquiredSpec(
  spec: LeaseSpec | undefined,
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): LeaseSpec {
  const time = formatKubeMicroTime(now);
  const renewing = spec?.holderIdentity === identity;
  const transitions = spec?.leaseTransitions ?? 0;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing ? (spec?.acquireTime ?? time) : time,
    renewTime: time,
    // As client-go: every change of holder counts, including taking over a released lease.
    leaseTransitions: renewing || !spec ? transitions : transitions + 1,
  };
}

/** The spec after its holder gives the lease up: no holder, so the next candidate takes it at once. */
export function releasedSpec(spec: LeaseSpec | undefined, now: Date): LeaseSpec {
  const time = formatKubeMicroTime(now);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: time,
    renewTime: time,
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/**
 * Whether someone else holds the lease. Expiry is judged, as in client-go, by how long ago this
 * process saw the lease change, never by the renewTime written with another machine's clock.
 */
export function heldByOther(
  spec: LeaseSpec | undefined,
  identity: string,
  msSinceObservedChange: number,
  defaultDurationSeconds: number,
): boolean {
  const holder = spec?.holderIdentity;
  if (!holder || holder === identity) return false;
  const duration = spec?.leaseDurationSeconds ?? defaultDurationSeconds;
  return msSinceObservedChange < duration * 1000;
}
