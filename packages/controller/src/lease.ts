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
 * A lease held by `identity` is this candidate's to renew, so two candidates sharing an identity
 * would both lead: identities must be unique per process (see LeaderElectorOptions.identity).
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

/**
 * Whether a write of the lease that succeeded lets its holder lead on, judged at `nowMs` by the
 * monotonic time `sentAtMs` at which the attempt's first request was sent. The API server
 * applied the write no earlier than that, and other candidates count the lease's duration from
 * when they saw it change, later still; counting from the answer instead would credit the
 * holder with however long the request took. Past the renew deadline from that time the holder
 * must not act (a successor may be close to taking over), however the write ended.
 */
export function withinRenewDeadline(
  sentAtMs: number,
  nowMs: number,
  renewDeadlineMs: number,
): boolean {
  return nowMs - sentAtMs < renewDeadlineMs;
}

/**
 * How long the leader waits before its next renewal: the retry period, but no longer than half
 * the time left before the renew deadline (counted from `lastRenewalAt`, the send time of the
 * last renewal that succeeded), so a renewal or acquisition answered late still gets a try
 * before the deadline instead of waking past it; never less than a tenth of the retry period,
 * so quick failures near the deadline do not hammer the API server.
 */
export function renewPauseMs(
  lastRenewalAt: number,
  nowMs: number,
  renewDeadlineMs: number,
  retryPeriodMs: number,
): number {
  const untilDeadline = lastRenewalAt + renewDeadlineMs - nowMs;
  return Math.min(retryPeriodMs, Math.max(retryPeriodMs / 10, untilDeadline / 2));
}
