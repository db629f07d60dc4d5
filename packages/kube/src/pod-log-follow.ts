/*
 * Following a pod log through stalls and broken connections. The API server proxies a followed
 * log from the kubelet; when that leg stalls, the client's connection to the API server stays
 * alive (PINGs are answered) and the log simply goes quiet, for ever. So a followed log that
 * delivers nothing for an idle bound is re-opened from its last line: with `timestamps=true`,
 * each line carries the time the container runtime recorded it, the re-open asks for
 * `sinceTime`, and the lines it returns again are dropped. The decisions and the line
 * bookkeeping are pure functions here; `KubeClient.logs` supplies the I/O.
 */
import { ConfigurationError, maxTimerMs } from '@roundhouse/core';
import { z } from 'zod';
import { isKubernetesError, KubernetesApiError } from './kubernetes-errors.js';
import { admit, replayFrom, sinceTimeOf, splitTimestamp, startPosition } from './log-lines.js';

/** How a followed pod log outlives a stall or a broken connection (`KubeClientOptions.logFollow`). */
export interface LogFollowOptions {
  /**
   * A followed log from which no byte arrives for this long is re-opened from its last line.
   * The API server cannot tell a silent container from a stalled kubelet, so a container that
   * prints nothing for this long costs one re-open (one request) each time. Default 300 000
   * (5 minutes); 0 turns the bound off: a silent log is then waited on for as long as its
   * connection answers PINGs, however long the stall.
   */
  readonly idleTimeoutMs?: number | undefined;
  /**
   * How many failed opens in a row a follow that got going tolerates, each a retryable refusal
   * (by status code: 429, 5xx), a broken connection or timeout, or a stall of a finished
   * container's log; one more fails it with `LogFollowError`. Default 5; 0 fails at the first.
   */
  readonly reopenAttempts?: number | undefined;
  /** The wait before the first retry after a failure, doubled for each further one up to 30 s; default 1000. */
  readonly reopenBackoffMs?: number | undefined;
}

export const defaultLogFollow: Required<LogFollowOptions> = {
  idleTimeoutMs: 300_000,
  reopenAttempts: 5,
  reopenBackoffMs: 1_000,
};

const maxBackoffMs = 30_000;

/**
 * The longest wait a server's Retry-After imposes on a re-open. The API server's throttling asks
 * for seconds (`retryAfter = "1"` in k8s.io/apiserver/pkg/server/filters/maxinflight.go); a
 * proxy's absurd value would otherwise park a follow for up to the longest timer, 24 days, with
 * nothing to show for it.
 */
const maxRetryAfterMs = 300_000;

/** `options` with defaults, checked; a bad value is a `ConfigurationError` naming its field. */
export function logFollowSettings(
  options: LogFollowOptions | undefined,
  prefix = 'logFollow.',
): Required<LogFollowOptions> {
  const settings = { ...defaultLogFollow };
  for (const field of Object.keys(defaultLogFollow) as (keyof LogFollowOptions)[]) {
    const value = options?.[field];
    if (value === undefined) continue;
    const max = field === 'reopenAttempts' ? Number.MAX_SAFE_INTEGER : maxTimerMs;
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new ConfigurationError({
        path: `${prefix}${field}`,
        message: `must be a whole number from 0 to ${max}, not ${value}`,
      });
    }
    settings[field] = value;
  }
  return settings;
}

/**
 * A followed log that could not be kept going: `attempts` opens in a row failed. `reason`,
 * `statusCode` and `retryable` are the last failure's, classified by its status code (or, with
 * none, by the transport failure); `cause` is that failure.
 */
export class LogFollowError extends KubernetesApiError {
  readonly attempts: number;

  constructor(last: KubernetesApiError, attempts: number) {
    super(
      last.reason,
      `${last.message}; gave up following the log after ${attempts} failed opens in a row`,
      last.statusCode,
      last.causes,
      last.retryAfterSeconds,
      { cause: last },
    );
    this.attempts = attempts;
  }
}

// --- The container ----------------------------------------------------------------------

/**
 * What the pod says of the followed container: `ended` (terminated, or waiting to restart after
 * it terminated) has all its output written; `gone` is a deleted pod; `unknown` when the pod
 * does not say (or could not be read).
 */
export type ContainerState = 'running' | 'ended' | 'gone' | 'unknown';

const StateSchema = z
  .looseObject({
    running: z.looseObject({}).optional(),
    terminated: z.looseObject({}).optional(),
    waiting: z.looseObject({}).optional(),
  })
  .optional();
const StatusesSchema = z
  .array(z.looseObject({ name: z.string(), state: StateSchema, lastState: StateSchema }))
  .optional();
const PodSchema = z.looseObject({
  spec: z
    .looseObject({ containers: z.array(z.looseObject({ name: z.string() })).optional() })
    .optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      containerStatuses: StatusesSchema,
      initContainerStatuses: StatusesSchema,
      ephemeralContainerStatuses: StatusesSchema,
    })
    .optional(),
});

/** The state of `container` (the pod's only one when unnamed, as the log API takes it) in `pod`. */
export function containerStateOf(pod: unknown, container: string | undefined): ContainerState {
  if (pod === null || pod === undefined) return 'gone';
  const parsed = PodSchema.safeParse(pod);
  if (!parsed.success) return 'unknown';
  const { spec, status } = parsed.data;
  if (status?.phase === 'Succeeded' || status?.phase === 'Failed') return 'ended';
  const containers = spec?.containers ?? [];
  const name = container ?? (containers.length === 1 ? containers[0]?.name : undefined);
  const found = [
    ...(status?.containerStatuses ?? []),
    ...(status?.initContainerStatuses ?? []),
    ...(status?.ephemeralContainerStatuses ?? []),
  ].find((s) => s.name === name);
  if (found?.state?.terminated) return 'ended';
  if (found?.state?.waiting && found.lastState?.terminated) return 'ended';
  return found?.state?.running ? 'running' : 'unknown';
}

// --- Re-open decisions --------------------------------------------------------------------

/** How one open of a follow went, once its lines were read. */
export type OpenOutcome =
  | { readonly end: 'ended' }
  | { readonly end: 'stalled'; readonly container: ContainerState }
  | { readonly end: 'failed'; readonly error: unknown };

export type FollowStep =
  | { readonly next: 'end' }
  | { readonly next: 'fail'; readonly error: unknown }
  | {
      readonly next: 'reopen';
      /** false once the container ended: read what is left without waiting for more. */
      readonly follow: boolean;
      readonly delayMs: number;
      /** Failed opens in a row so far. */
      readonly failures: number;
    };

export interface FollowContext {
  /** Whether the open asked to follow. */
  readonly follow: boolean;
  /**
   * Whether an open of this follow was ever answered. Until then a failure is the caller's to
   * handle, as it is for any request: only a follow that got going is kept going.
   */
  readonly established: boolean;
  /** Failed opens in a row before this one; 0 when this one delivered a new line. */
  readonly failures: number;
  /** Names the log in errors, e.g. "logs Pod ns/pod-1 container step". */
  readonly operation: string;
}

/**
 * What a follow does after an open. The server ending the stream ends the follow: the kubelet
 * ends a followed log when its container stops running. A stall is re-opened at once, following
 * while the container runs (or its state is unknown) and reading the rest without following once
 * it ended, which keeps a finished container's log from being re-opened without end; a deleted
 * pod (after a stall, or a 404 on a re-open) ends the follow. A retryable failure (a refusal classified so by its status code, a broken
 * connection, a timeout, a finished log that stalls) of a follow that got going is retried
 * after a backoff, the server's Retry-After (up to 5 minutes) if longer, until `reopenAttempts` re-opens in a row
 * failed; any other error, and any failure of the first open, ends the follow as it is. `random` (0 to 1) spreads the backoff by ±25 %.
 */
export function nextStep(
  outcome: OpenOutcome,
  context: FollowContext,
  settings: Required<LogFollowOptions>,
  random = 0.5,
): FollowStep {
  if (outcome.end === 'ended') return { next: 'end' };
  let error: unknown;
  if (outcome.end === 'stalled') {
    if (outcome.container === 'gone') return { next: 'end' };
    if (context.follow) {
      const follow = outcome.container !== 'ended';
      return { next: 'reopen', follow, delayMs: 0, failures: follow ? 0 : context.failures };
    }
    error = new KubernetesApiError(
      'Timeout',
      `${context.operation}: no data for ${settings.idleTimeoutMs} ms`,
      undefined,
    );
  } else {
    error = outcome.error;
  }
  // The pod was deleted since the follow got going: its log ended with it.
  if (context.established && isKubernetesError(error, 'NotFound')) return { next: 'end' };
  if (!context.established || !(error instanceof KubernetesApiError) || !error.retryable) {
    return { next: 'fail', error };
  }
  const failures = context.failures + 1;
  if (failures > settings.reopenAttempts) {
    return { next: 'fail', error: new LogFollowError(error, failures) };
  }
  return {
    next: 'reopen',
    follow: context.follow,
    delayMs: reopenDelayMs(failures, settings.reopenBackoffMs, error.retryAfterSeconds, random),
    failures,
  };
}

/** The wait before re-open number `failures` (from 1): doubling from `backoffMs` up to 30 s. */
export function reopenDelayMs(
  failures: number,
  backoffMs: number,
  retryAfterSeconds: number | undefined,
  random = 0.5,
): number {
  const base = Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1));
  const spread = Math.round(base * (0.75 + random / 2));
  return Math.max(spread, Math.min(maxRetryAfterMs, (retryAfterSeconds ?? 0) * 1_000));
}

// --- The loop -----------------------------------------------------------------------------

/** One request of a follow; the I/O always asks for `timestamps=true`. */
export interface LogRequest {
  readonly follow: boolean;
  /** Only on the first open, or a re-open before any line was delivered. */
  readonly tailLines?: number | undefined;
  readonly sinceTime?: string | undefined;
}

/** How a request's stream ended without an error: by the server, by the idle bound, by the signal. */
export type LogStreamEnd = 'ended' | 'stalled' | 'stopped';

export interface FollowIo {
  /**
   * Opens one request: calls `answered` once the API server accepted it, yields its complete
   * lines (an unfinished last line only when the server ended the stream), then returns how it
   * ended; throws a classified error when it failed.
   */
  readonly open: (
    request: LogRequest,
    answered: () => void,
  ) => AsyncGenerator<string, LogStreamEnd>;
  /** The followed container's state, asked after a stall. */
  readonly containerState: () => Promise<ContainerState>;
  /** Resolves true after `ms`, false as soon as the follow is stopped. */
  readonly wait: (ms: number) => Promise<boolean>;
}

export interface FollowSettings extends Required<LogFollowOptions> {
  readonly operation: string;
  readonly tailLines?: number | undefined;
  /** Hand out lines with their timestamps, as the API server sends them. */
  readonly timestamps: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** A followed log's lines, each once, across re-opens (see `nextStep`). */
export async function* followLog(io: FollowIo, settings: FollowSettings): AsyncGenerator<string> {
  let position = startPosition;
  let follow = true;
  let failures = 0;
  let established = false;
  for (;;) {
    const request: LogRequest =
      position.last === undefined
        ? { follow, tailLines: settings.tailLines }
        : { follow, sinceTime: sinceTimeOf(position.last) };
    let replay = replayFrom(position);
    let outcome: OpenOutcome;
    const lines = io.open(request, () => {
      established = true;
    });
    try {
      let end: LogStreamEnd;
      for (;;) {
        const next = await lines.next();
        if (next.done) {
          end = next.value;
          break;
        }
        const { timestamp, text } = splitTimestamp(next.value);
        const admitted = admit(replay, timestamp);
        replay = admitted.replay;
        if (!admitted.deliver) continue;
        if (timestamp !== undefined) failures = 0;
        position = replay.position;
        yield settings.timestamps ? next.value : text;
      }
      if (end === 'stopped') return;
      outcome =
        end === 'ended'
          ? { end }
          : { end, container: request.follow ? await io.containerState() : 'ended' };
    } catch (error) {
      outcome = { end: 'failed', error };
    } finally {
      await lines.return(undefined as never);
    }
    if (settings.signal?.aborted) return;
    const step = nextStep(
      outcome,
      { follow: request.follow, established, failures, operation: settings.operation },
      settings,
      Math.random(),
    );
    if (step.next === 'end') return;
    if (step.next === 'fail') throw step.error;
    failures = step.failures;
    follow = step.follow;
    if (step.delayMs > 0 && !(await io.wait(step.delayMs))) return;
  }
}
