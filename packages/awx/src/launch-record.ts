/**
 * The lock of an ansible execution and the launch record it holds. AWX has no labels and no
 * idempotency key, so what an execution did in AWX is written to Kubernetes before it is done:
 * a Lease named by the target's lock name (so, like a Job or a PipelineRun, it is the lock), with
 * the owner labels, and an annotation recording the claim of the create at work, the credentials
 * it made, when it sent a launch and the job that launch made. Everything here is pure.
 */
import {
  type Conventions,
  executionMetadata,
  executionObjectMeta,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

const id = z.number().int().positive();

export const InjectedSchema = z.object({
  secrets: z.array(z.object({ name: z.string(), resourceVersion: z.string() })),
  kubernetesToken: z.boolean(),
});

export type Injected = z.output<typeof InjectedSchema>;

export const LaunchRecordSchema = z.object({
  /**
   * The create that may act for the execution now, and when it last wrote: a second create
   * waits while the claim is fresh and takes it over once it is stale (its holder died).
   */
  claim: z.object({ attempt: z.string().min(1), at: z.iso.datetime() }).optional(),
  /** The job template a launch went to. */
  template: id.optional(),
  /** Ids of the execution's ephemeral credentials, once created. */
  credentials: z.array(id).default([]),
  /** Set before a launch request is sent: from then on a job may exist. */
  launchedAt: z.iso.datetime().optional(),
  /**
   * What the launch's credentials inject, so that a failed job's output is scrubbed of it
   * before it goes into a status: the Secrets as they were read (their values are read again
   * then, never kept) and whether a Kubernetes API token was given. Unset on a record written
   * before a launch, or by an older version: the output is then withheld.
   */
  injected: InjectedSchema.optional(),
  /** The job the launch made, once known. */
  job: id.optional(),
  /**
   * The workflow job the launch made instead of a job (the template sliced), canceled; its
   * sliced jobs may still start with the credentials until it has ended.
   */
  workflowJob: id.optional(),
  /** The job reached a terminal status: the lock is stale (awaiting cleanup), not busy. */
  finished: z.boolean().default(false),
});

export type LaunchRecord = z.output<typeof LaunchRecordSchema>;

/** The Lease that holds an execution's launch record. */
export interface LaunchLock extends KubeObject {
  spec?: { holderIdentity?: string | undefined } | undefined;
}

/** The annotation holding the record, e.g. `roundhouse.dev/awx-launch`. */
export function launchRecordKey(conventions: Conventions): string {
  return `${conventions.labelPrefix}awx-launch`;
}

/** The lock for `wfe` in the execution namespace, holding `record`. */
export function buildLaunchLock(
  wfe: WorkflowExecution,
  namespace: string,
  engine: string,
  conventions: Conventions,
  record: LaunchRecord,
): LaunchLock {
  const meta = executionObjectMeta(
    wfe,
    namespace,
    executionMetadata(wfe, engine, conventions),
    conventions,
  );
  return withRecord(
    { metadata: meta, spec: { holderIdentity: `${wfe.metadata.namespace}/${wfe.metadata.name}` } },
    record,
    conventions,
  );
}

/** The same lock with `record` in place of its record; everything else, resourceVersion too, kept. */
export function withRecord(
  lock: LaunchLock,
  record: LaunchRecord,
  conventions: Conventions,
): LaunchLock {
  const annotations = { ...lock.metadata?.annotations };
  annotations[launchRecordKey(conventions)] = JSON.stringify(LaunchRecordSchema.parse(record));
  return { ...lock, metadata: { ...lock.metadata, annotations } };
}

/**
 * The record a lock holds. One that cannot be read (edited by hand) is read as the most
 * cautious record there is: a launch may have been sent when the lock was made, so nothing is
 * launched before its job is looked for, and nothing is deleted that it may use.
 */
export function readRecord(lock: LaunchLock, conventions: Conventions): LaunchRecord {
  const text = lock.metadata?.annotations?.[launchRecordKey(conventions)];
  if (text !== undefined) {
    try {
      const parsed = LaunchRecordSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON: handled as unreadable below.
    }
  }
  const made = lock.metadata?.creationTimestamp;
  const since = made && !Number.isNaN(Date.parse(made)) ? new Date(made) : new Date(0);
  return { credentials: [], launchedAt: since.toISOString(), finished: false };
}

/** Whether the lock is stale rather than busy: the job it records has finished. */
export function isLockFinished(lock: LaunchLock, conventions: Conventions): boolean {
  return readRecord(lock, conventions).finished;
}

export type ClaimState = 'free' | 'held' | 'stale';

/** Whether another call holds the record's claim, given how long a silent holder is trusted. */
export function claimState(record: LaunchRecord, nowMs: number, claimTtlMs: number): ClaimState {
  if (!record.claim) return 'free';
  return nowMs - Date.parse(record.claim.at) >= claimTtlMs ? 'stale' : 'held';
}

/** The record claimed by `attempt` at `nowMs`. */
export function claimed(record: LaunchRecord, attempt: string, nowMs: number): LaunchRecord {
  return { ...record, claim: { attempt, at: new Date(nowMs).toISOString() } };
}

/** The record with no claim: the next call may act at once. */
export function unclaimed(record: LaunchRecord): LaunchRecord {
  const { claim: _claim, ...rest } = record;
  return rest;
}

/**
 * Until when a launch whose answer was lost may still be committed by AWX: no new launch goes
 * out before this instant (ms), while the job is looked for. `undefined` when none was sent.
 */
export function launchDeadline(record: LaunchRecord, windowMs: number): number | undefined {
  return record.launchedAt === undefined ? undefined : Date.parse(record.launchedAt) + windowMs;
}
