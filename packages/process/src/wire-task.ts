import { formatKubeTime } from '@roundhouse/core';
import { z } from 'zod';
import { awaitingPostStop } from './hook-lifecycle.js';
import type { ProcessSpec } from './process-spec.js';
import { type TaskRecord, TaskStateSchema } from './task-record.js';
import { isUnreadable } from './unreadable-task.js';

/** `processStatus` of OpenSandbox's Task, and `status.state` of its README: exactly one member. */
export const ProcessStatusSchema = z.looseObject({
  waiting: z
    .looseObject({ reason: z.string().optional(), message: z.string().optional() })
    .optional(),
  running: z.looseObject({ startedAt: z.string().optional() }).optional(),
  terminated: z
    .looseObject({
      exitCode: z.int(),
      signal: z.int().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
    })
    .optional(),
});
export type ProcessStatus = z.infer<typeof ProcessStatusSchema>;

/**
 * A task's process as responses carry it, read leniently: a reader must not fail on fields a
 * newer agent adds.
 */
const WireProcessSchema = z.looseObject({
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).nullish(),
  env: z.array(z.looseObject({ name: z.string(), value: z.string().optional() })).nullish(),
  workingDir: z.string().optional(),
  timeoutSeconds: z.number().nullish(),
  execMode: z.string().optional(),
});

/**
 * A task as the agent answers it. Every response carries both shapes at once, so a client
 * written for either reads it unchanged (Go's encoding/json and most clients ignore the
 * fields they do not know):
 *
 * - `process` and `processStatus`: what OpenSandbox's Go types and controller read;
 * - `spec.process` and `status.state`: what OpenSandbox's README documents.
 *
 * Beyond upstream: `uid`, `labels`, `annotations`, `createdAt` and `deletionTimestamp` (upstream reports neither),
 * `status.phase`, the supervisor's own state, which also tells `Unknown` apart, and
 * `status.hooks`, how each lifecycle hook ended (`PostStopHookCompleted`, ...), and
 * `status.started: false` for a task a stop ended before its command was forked.
 */
export const WireTaskSchema = z.looseObject({
  name: z.string(),
  uid: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  /** When the task was created; upstream never reports it. */
  createdAt: z.string().nullish(),
  deletionTimestamp: z.string().nullish(),
  process: WireProcessSchema.nullish(),
  spec: z.looseObject({ process: WireProcessSchema.nullish() }).nullish(),
  processStatus: ProcessStatusSchema.nullish(),
  status: z
    .looseObject({
      state: ProcessStatusSchema.nullish(),
      phase: TaskStateSchema.optional(),
      hooks: z
        .record(
          z.string(),
          z.looseObject({ reason: z.string(), finishedAt: z.string().optional() }),
        )
        .optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      /** False for a task that ended before its command ran though its shim started. */
      started: z.boolean().optional(),
    })
    .nullish(),
});
export type WireTask = z.infer<typeof WireTaskSchema>;

function time(iso: string | undefined): string | undefined {
  return iso === undefined ? undefined : formatKubeTime(new Date(iso));
}

/**
 * OpenSandbox's name for a termination reason where it has its own: its controller and its
 * clients read `TaskTimeout` in `processStatus.terminated.reason`. `status.reason` keeps ours.
 */
const upstreamReasons: Readonly<Partial<Record<TaskRecord['reason'], string>>> = {
  Timeout: 'TaskTimeout',
};

/** The `processStatus` of a record. */
export function processStatus(record: TaskRecord): ProcessStatus {
  if (awaitingPostStop(record)) return { running: { startedAt: time(record.startedAt) } };
  switch (record.state) {
    case 'Pending':
      return {
        waiting: { reason: 'Pending', ...(record.message ? { message: record.message } : {}) },
      };
    case 'Running':
      return { running: { startedAt: time(record.startedAt) } };
    case 'Unknown':
      // OpenSandbox's controller counts a waiting task as unknown, which is what it is; a
      // terminated state would need an exit code nobody knows.
      return { waiting: { reason: 'Unknown', message: record.message } };
    default:
      return {
        terminated: {
          exitCode: record.exitCode ?? 0,
          ...(record.signal !== undefined ? { signal: record.signal } : {}),
          reason: upstreamReasons[record.reason] ?? record.reason,
          ...(record.message ? { message: record.message } : {}),
          startedAt: time(record.startedAt),
          finishedAt: time(record.finishedAt),
        },
      };
  }
}

/** A record as the agent answers it, in both shapes. */
export function toWireTask(record: TaskRecord): WireTask {
  const state = processStatus(record);
  const process: ProcessSpec = record.process;
  const hooks = wireHooks(record);
  return {
    name: record.name,
    uid: record.uid,
    ...(record.labels ? { labels: record.labels } : {}),
    ...(record.annotations ? { annotations: record.annotations } : {}),
    createdAt: time(record.createdAt),
    ...(record.deletionTimestamp ? { deletionTimestamp: time(record.deletionTimestamp) } : {}),
    // An unreadable record's spec is what was lost: none is made up.
    ...(isUnreadable(record) ? {} : { process, spec: { process } }),
    processStatus: state,
    status: {
      state,
      phase: record.state,
      reason: record.reason,
      ...(record.message ? { message: record.message } : {}),
      ...(hooks ? { hooks } : {}),
      ...(record.commandStarted === false ? { started: false } : {}),
    },
  };
}

/** How each hook that ran ended, or that it runs; without the shim's identity. */
function wireHooks(record: TaskRecord) {
  const entries = Object.entries(record.hooks ?? {}).map(([hook, run]) => [
    hook,
    {
      reason: run.reason ?? 'Running',
      ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
      ...(run.message ? { message: run.message } : {}),
      startedAt: time(run.startedAt),
      ...(run.finishedAt ? { finishedAt: time(run.finishedAt) } : {}),
    },
  ]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}
